# The ID mask hides the county digits too (registry.validators.mask_id_number).

from django.db import migrations

from minzheng.registry.remask import remask_ids


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_lighter_import_indexes")]

    operations = [remask_ids("registry", {"Person": "id_number_masked"})]
