"""Case numbers of the rescue station start with JZZ (救助站), so they can never be read as,
or found inside, a programmes application number (JZ + year + seven digits)."""

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr


def rename(apps, schema_editor):
    case = apps.get_model("rescue", "Case")
    case.objects.filter(number__startswith="JZ").exclude(number__startswith="JZZ").update(
        number=Concat(Value("JZZ"), Substr(F("number"), 3))
    )


class Migration(migrations.Migration):
    dependencies = [("rescue", "0005_default_parameters")]
    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
