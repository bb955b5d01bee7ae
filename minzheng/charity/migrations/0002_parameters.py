"""Default policy parameters of the charity app."""

import datetime as dt

from django.db import migrations

# Nanhai's rule for how much of a named fund must be spent each year was not found; Shenzhen
# practice is at least 20 % (shared reference data, section Charity): illustrative.
PARAMS = [
    (
        "charity_fund_min_spend_share",
        "冠名基金年度最低支出比例",
        "20",
        "decimal",
        "%",
        "深圳市冠名基金管理实践（示例值，南海区规定未找到）",
    ),
]


def add(apps, schema_editor):
    PolicyParameter = apps.get_model("core", "PolicyParameter")
    for key, name, value, value_type, unit, source in PARAMS:
        if not PolicyParameter.objects.filter(key=key).exists():
            PolicyParameter.objects.create(
                key=key,
                name=name,
                value=value,
                value_type=value_type,
                unit=unit,
                valid_from=dt.date(2020, 1, 1),
                source_document=source,
                is_illustrative=True,
            )


class Migration(migrations.Migration):
    dependencies = [("charity", "0001_initial"), ("core", "0002_load_divisions")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
