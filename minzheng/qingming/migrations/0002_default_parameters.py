"""The Qingming policy parameters, as illustrative values (no public source gives
Nanhai's numbers): editable, effective-dated rows that the services read."""

from django.db import migrations


def create(apps, schema_editor):
    from minzheng.core.services import parameters_ensure_defaults
    from minzheng.qingming.params import DEFAULT_ROWS

    parameters_ensure_defaults(DEFAULT_ROWS, model=apps.get_model("core", "PolicyParameter"))


def remove(apps, schema_editor):
    from minzheng.qingming.params import DEFAULTS, DEFAULTS_SOURCE

    apps.get_model("core", "PolicyParameter").objects.filter(
        key__in=list(DEFAULTS), source_document=DEFAULTS_SOURCE
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("qingming", "0001_initial"), ("core", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
