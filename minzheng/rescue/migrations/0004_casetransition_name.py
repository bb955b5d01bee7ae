"""CaseTransition becomes core.workflow's log: it gains the move's name, filled in for the
rows already written from their (from, to) pair. No row is removed or changed otherwise."""

from django.db import migrations, models

# (from, to) → move name, as declared in rescue.rules.MOVES when this migration was written.
_NAMES = {
    ("", "checked_in"): "intake",
    ("checked_out", "checked_in"): "check_in",
    ("transferred", "checked_in"): "check_in",
    ("to_return", "checked_in"): "check_in",
    ("checked_in", "checked_out"): "check_out",
    ("checked_in", "transferred"): "transfer",
    ("checked_in", "to_return"): "to_return",
    ("checked_out", "to_return"): "to_return",
    ("transferred", "to_return"): "to_return",
}


def name_rows(apps, schema_editor):
    CaseTransition = apps.get_model("rescue", "CaseTransition")
    for (source, target), name in _NAMES.items():
        CaseTransition.objects.filter(from_state=source, to_state=target).update(name=name)
    CaseTransition.objects.filter(to_state="returned").update(name="return_home")


class Migration(migrations.Migration):
    dependencies = [
        ("rescue", "0003_district_default"),
    ]

    operations = [
        migrations.AddField(
            model_name="casetransition",
            name="name",
            field=models.CharField(default="", max_length=30, verbose_name="操作"),
            preserve_default=False,
        ),
        migrations.RunPython(name_rows, migrations.RunPython.noop),
    ]
