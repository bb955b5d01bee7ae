"""Default policy parameters of the study app (illustrative: no public source sets them)."""

from django.db import migrations


def add(apps, schema_editor):
    from minzheng.core.services import parameters_ensure_defaults
    from minzheng.learning.rules import PARAMETER_DEFAULTS

    parameters_ensure_defaults(PARAMETER_DEFAULTS, model=apps.get_model("core", "PolicyParameter"))


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial"), ("core", "0002_load_divisions")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
