"""Timeline rows that funeral wrote before the engine declared the move: the reversal of a
settlement is the declared move "unpay" (workflows.APPLICATION)."""

from django.db import migrations


def rename(apps, schema_editor):
    apps.get_model("programs", "Transition").objects.filter(name="settlement_reversed").update(
        name="unpay"
    )


class Migration(migrations.Migration):
    dependencies = [("programs", "0004_default_parameters")]
    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
