"""The welfare policy parameters (allowance standards, respite yearly hours): illustrative
values, no public source gives Guangdong's or Foshan's numbers (rules.PARAMETERS)."""

from django.db import migrations


def create(apps, schema_editor):
    from minzheng.welfare.rules import PARAMETERS

    PolicyParameter = apps.get_model("core", "PolicyParameter")
    for key, name, value, value_type, unit, valid_from, source, illustrative in PARAMETERS:
        if not PolicyParameter.objects.filter(key=key, division__isnull=True).exists():
            PolicyParameter.objects.create(
                key=key,
                name=name,
                value=value,
                value_type=value_type,
                unit=unit,
                valid_from=valid_from,
                source_document=source,
                is_illustrative=illustrative,
            )


def remove(apps, schema_editor):
    from minzheng.welfare.rules import PARAMETERS

    keys = [row[0] for row in PARAMETERS]
    apps.get_model("core", "PolicyParameter").objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("welfare", "0001_initial"), ("core", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
