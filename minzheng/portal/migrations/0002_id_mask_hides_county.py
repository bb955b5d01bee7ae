# The ID mask hides the county digits too (registry.validators.mask_id_number).

from django.db import migrations

from minzheng.registry.remask import remask_ids


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial"), ("registry", "0006_id_mask_hides_county")]

    operations = [remask_ids("portal", {"ResidentProfile": "id_number_masked"})]
