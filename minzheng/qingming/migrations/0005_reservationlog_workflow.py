"""The reservation log becomes core.workflow's transition log (workflows.RESERVATION):
from/to renamed to the shared names, the move's name filled in for existing rows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (from, to) → the declared move that makes it
NAMES = {
    ("booked", "checked_in"): "enter",
    ("left", "checked_in"): "reenter",
    ("checked_in", "left"): "leave",
    ("booked", "cancelled"): "cancel",
    ("booked", "no_show"): "no_show",
}

STATUS = [
    ("booked", "待入园"),
    ("checked_in", "已入园"),
    ("left", "已离园"),
    ("cancelled", "已取消"),
    ("no_show", "未到场"),
]


def name_moves(apps, schema_editor):
    log = apps.get_model("qingming", "ReservationLog")
    for (a, b), name in NAMES.items():
        log.objects.filter(from_state=a, to_state=b).update(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("qingming", "0004_proxysweeptransition"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("reservationlog", "from_status", "from_state"),
        migrations.RenameField("reservationlog", "to_status", "to_state"),
        migrations.AddField(
            model_name="reservationlog",
            name="name",
            field=models.CharField(default="", max_length=30, verbose_name="操作"),
            preserve_default=False,
        ),
        migrations.RunPython(name_moves, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reservationlog",
            name="from_state",
            field=models.CharField(
                blank=True, choices=STATUS, max_length=12, verbose_name="原状态"
            ),
        ),
        migrations.AlterField(
            model_name="reservationlog",
            name="to_state",
            field=models.CharField(choices=STATUS, max_length=12, verbose_name="新状态"),
        ),
        migrations.AlterField(
            model_name="reservationlog",
            name="at",
            field=models.DateTimeField(verbose_name="时间"),
        ),
        migrations.AlterField(
            model_name="reservationlog",
            name="reason",
            field=models.TextField(blank=True, verbose_name="说明"),
        ),
        migrations.AlterField(
            model_name="reservationlog",
            name="actor",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
