"""The welfare policy parameters (allowance standards, respite yearly hours): illustrative
values, no public source gives Guangdong's or Foshan's numbers (rules.PARAMETERS)."""

from django.db import migrations


def create(apps, schema_editor):
    from minzheng.core.services import parameters_ensure_defaults
    from minzheng.welfare.rules import PARAMETERS

    parameters_ensure_defaults(PARAMETERS, model=apps.get_model("core", "PolicyParameter"))


def remove(apps, schema_editor):
    from minzheng.welfare.rules import PARAMETERS

    keys = [row[0] for row in PARAMETERS]
    apps.get_model("core", "PolicyParameter").objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("welfare", "0001_initial"), ("core", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
