"""Default policy parameters of the charity app (`charity.rules.PARAMETER_DEFAULTS`)."""

from django.db import migrations


def add(apps, schema_editor):
    from minzheng.charity.rules import PARAMETER_DEFAULTS
    from minzheng.core.services import parameters_ensure_defaults

    parameters_ensure_defaults(PARAMETER_DEFAULTS, model=apps.get_model("core", "PolicyParameter"))


class Migration(migrations.Migration):
    dependencies = [("charity", "0001_initial"), ("core", "0002_load_divisions")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
