"""The programs app's default policy parameters (`programs.setup.PARAMETERS`, each with its
source or marked illustrative), created where missing."""

from django.db import migrations


def create(apps, schema_editor):
    from minzheng.core.services import parameters_ensure_defaults
    from minzheng.programs.setup import PARAMETERS

    parameters_ensure_defaults(PARAMETERS, model=apps.get_model("core", "PolicyParameter"))


class Migration(migrations.Migration):
    dependencies = [("programs", "0003_id_mask_hides_county"), ("core", "0002_load_divisions")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
