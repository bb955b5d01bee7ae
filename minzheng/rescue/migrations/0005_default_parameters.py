"""The rescue station's default policy parameters (`rescue.rules.PARAMETER_DEFAULTS`)."""

from django.db import migrations


def create(apps, schema_editor):
    from minzheng.core.services import parameters_ensure_defaults
    from minzheng.rescue.rules import PARAMETER_DEFAULTS

    parameters_ensure_defaults(PARAMETER_DEFAULTS, model=apps.get_model("core", "PolicyParameter"))


class Migration(migrations.Migration):
    dependencies = [("rescue", "0004_casetransition_name"), ("core", "0002_load_divisions")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
