# The ID mask hides the county digits too (registry.validators.mask_id_number).

from django.db import migrations

from minzheng.registry.remask import remask_ids


class Migration(migrations.Migration):
    dependencies = [("programs", "0002_remove_application_prog_app_queue_idx_and_more"), ("registry", "0006_id_mask_hides_county")]

    operations = [remask_ids("programs", {"Application": "applicant_id_masked", "StaffRelation": "id_number_masked"})]
