"""The funeral app's default policy parameters (`funeral.setup.PARAMETERS`, each with its
source or marked illustrative), created where missing."""

from django.db import migrations


def create(apps, schema_editor):
    from minzheng.core.services import parameters_ensure_defaults
    from minzheng.funeral.setup import PARAMETERS

    parameters_ensure_defaults(PARAMETERS, model=apps.get_model("core", "PolicyParameter"))


class Migration(migrations.Migration):
    dependencies = [("funeral", "0003_id_mask_hides_county"), ("core", "0002_load_divisions")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
