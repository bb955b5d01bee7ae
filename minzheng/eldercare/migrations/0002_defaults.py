"""Default policy parameters (every rate illustrative: Nanhai's figures were not found) and
the shipped inspection checklists."""

from django.db import migrations


def forward(apps, schema_editor):
    from minzheng.core.services import parameters_ensure_defaults
    from minzheng.eldercare.setup import PARAMETERS, ensure_checklists

    parameters_ensure_defaults(PARAMETERS, model=apps.get_model("core", "PolicyParameter"))
    ensure_checklists(apps.get_model("eldercare", "InspectionType"), apps.get_model("eldercare", "ChecklistItem"))


class Migration(migrations.Migration):
    dependencies = [("eldercare", "0001_initial"), ("core", "0005_outbound_sms")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
