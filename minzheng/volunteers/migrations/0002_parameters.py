"""Default policy parameters of the volunteers app (illustrative: no public source sets them)."""

import datetime as dt

from django.db import migrations

PARAMS = [
    ("volunteers_max_hours_per_day", "志愿者每日服务时长上限", "8", "integer", "小时"),
    ("volunteers_withdraw_deadline_hours", "报名退出截止（班次开始前）", "12", "integer", "小时"),
    ("volunteers_checkin_before_minutes", "可提前签到", "30", "integer", "分钟"),
    ("volunteers_checkin_after_minutes", "开始后仍可签到", "60", "integer", "分钟"),
    ("volunteers_checkout_after_minutes", "结束后仍可签退", "120", "integer", "分钟"),
]


def add(apps, schema_editor):
    PolicyParameter = apps.get_model("core", "PolicyParameter")
    for key, name, value, value_type, unit in PARAMS:
        if not PolicyParameter.objects.filter(key=key).exists():
            PolicyParameter.objects.create(
                key=key, name=name, value=value, value_type=value_type, unit=unit, valid_from=dt.date(2020, 1, 1),
                source_document="南海区民政局志愿服务工作安排（示例取值）", is_illustrative=True,
            )


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial"), ("core", "0002_load_divisions")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
