# The ID mask hides the county digits too (registry.validators.mask_id_number).

from django.db import migrations

from minzheng.registry.remask import remask_ids


class Migration(migrations.Migration):
    dependencies = [("funeral", "0002_historicalservicerecord_alter_servicerecord_options_and_more"), ("registry", "0006_id_mask_hides_county")]

    operations = [remask_ids("funeral", {"ServiceRecord": "deceased_id_masked"})]
