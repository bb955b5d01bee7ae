"""Default policy parameters of the study app (illustrative: no public source sets them)."""

import datetime as dt

from django.db import migrations

PARAMS = [
    ("learning_minutes_per_point", "每日一学：每多少分钟计 1 分", "6", "分钟"),
    ("learning_daily_points_cap", "每日一学：每日积分上限", "6", "分"),
    ("learning_daily_minutes_cap", "每日一学：每日可记学习时长上限", "180", "分钟"),
    ("learning_checkin_max_minutes", "每日一学：单次打卡时长上限", "120", "分钟"),
]
SOURCE = "南海区民政局党史学习教育安排（示例值，参照“学习强国”积分规则的做法）"


def add(apps, schema_editor):
    PolicyParameter = apps.get_model("core", "PolicyParameter")
    for key, name, value, unit in PARAMS:
        if not PolicyParameter.objects.filter(key=key).exists():
            PolicyParameter.objects.create(
                key=key, name=name, value=value, value_type="integer", unit=unit,
                valid_from=dt.date(2021, 1, 1), source_document=SOURCE, is_illustrative=True,
            )


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial"), ("core", "0002_load_divisions")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
