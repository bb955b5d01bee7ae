"""What the volunteers' services share: the refusal reasons of the matcher, parameter
lookup and the one-ValidationError helper.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from minzheng.core.params import parameter_value

REASON_TEXT = {
    "party": gettext_lazy("该岗位仅限党员"),
    "skill": gettext_lazy("不具备岗位所需技能"),
    "certificate": gettext_lazy("没有在班次当日有效的所需证书"),
    "availability": gettext_lazy("可服务时间不能覆盖整个班次"),
    "hours": gettext_lazy("超过每日服务时长上限"),
    "busy": gettext_lazy("符合条件的志愿者都已安排在时间重叠的岗位或已达每日上限"),
    "no_volunteers": gettext_lazy("没有志愿者"),
}


def _param(key: str, on: dt.date, division: str | None = None):
    return parameter_value(key, on=on, division_code=division).value


def _fail(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)
