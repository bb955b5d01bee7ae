"""Load Nanhai's divisions from the fixture shipped with the project (see fixtures/SOURCE.md)."""

import csv
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "divisions_nanhai.csv"
PARENTS = {"440600000000": ("佛山市", "city", "440000000000"), "440000000000": ("广东省", "province", None)}


def load(apps, schema_editor):
    Division = apps.get_model("core", "Division")
    for code in ("440000000000", "440600000000"):
        name, level, parent = PARENTS[code]
        Division.objects.update_or_create(code=code, defaults={"name": name, "level": level, "parent_id": parent})
    with open(FIXTURE, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            Division.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "level": row["level"], "parent_id": row["parent_code"]}
            )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
