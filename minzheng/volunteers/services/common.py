"""What the volunteers' services share: the refusal reasons of the matcher, parameter
lookup and the one-ValidationError helper.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from minzheng.core.params import parameter_value

from .. import rules

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


def parameters_ensure_defaults() -> int:
    """Create the app's policy parameters that are missing (idempotent); returns how many."""
    from minzheng.core.models import PolicyParameter

    created = 0
    for key, name, value, unit in rules.PARAMETER_DEFAULTS:
        if not PolicyParameter.objects.filter(key=key).exists():
            PolicyParameter.objects.create(
                key=key,
                name=name,
                value=value,
                value_type=PolicyParameter.ValueType.INTEGER,
                unit=unit,
                valid_from=dt.date(2020, 1, 1),
                source_document=rules.PARAMETER_SOURCE,
                is_illustrative=True,
            )
            created += 1
    return created
