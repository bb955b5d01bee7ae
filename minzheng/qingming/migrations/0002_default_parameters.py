"""The Qingming policy parameters, as illustrative values (no public source gives
Nanhai's numbers): editable, effective-dated rows that the services read."""

import datetime as dt

from django.db import migrations

SOURCE = "示例取值：未找到南海区公开依据，上线前按区民政局通知核定"


def create(apps, schema_editor):
    from minzheng.qingming.params import DEFAULTS

    PolicyParameter = apps.get_model("core", "PolicyParameter")
    for key, (name, value, value_type, unit) in DEFAULTS.items():
        if not PolicyParameter.objects.filter(key=key).exists():
            PolicyParameter.objects.create(
                key=key, name=name, value=value, value_type=value_type, unit=unit,
                valid_from=dt.date(2020, 1, 1), source_document=SOURCE, is_illustrative=True,
            )


def remove(apps, schema_editor):
    from minzheng.qingming.params import DEFAULTS

    apps.get_model("core", "PolicyParameter").objects.filter(key__in=list(DEFAULTS), source_document=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("qingming", "0001_initial"), ("core", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
