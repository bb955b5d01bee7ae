"""Rescue rules as plain data and functions: open states, upload limits, what a public
notice may show. The case's states and moves are `workflows.CASE`."""

from __future__ import annotations

import datetime as dt

from .models import CaseState

S = CaseState
OPEN_STATES = (S.CHECKED_IN, S.CHECKED_OUT, S.TRANSFERRED, S.TO_RETURN)
# States a staff member may choose by hand (to_return comes from a confirmed match,
# returned from a return home).
MANUAL_TARGETS = (S.CHECKED_IN, S.CHECKED_OUT, S.TRANSFERRED)


# Upload limits: technical limits of the station's files, not policy numbers.
PHOTO_TYPES = (".jpg", ".jpeg", ".png")
PHOTO_MAX_BYTES = 5 * 1024 * 1024
AUDIO_TYPES = (".mp3", ".wav", ".m4a")
AUDIO_MAX_BYTES = 20 * 1024 * 1024

AGE_LIMIT = 120
TOP_CANDIDATES = 10  # candidates stored per case
LONG_STAY_PARAMETER = "rescue_long_stay_days"
# (key, name, value, type, unit, valid_from, source, illustrative): the defaults migration
# 0005 creates through core.services.parameters_ensure_defaults.
PARAMETER_DEFAULTS = (
    (
        LONG_STAY_PARAMETER,
        "救助站长期滞留提醒天数",
        "30",
        "integer",
        "天",
        dt.date(2021, 1, 1),
        "示例取值：未找到公开依据（一个月提醒更新寻亲公告）",
        True,
    ),
)
LONG_STAY_DEFAULT_DAYS = (
    30  # used only where the parameter row is missing (a flushed test database)
)

# What a notice may show on the portal: everything that helps a family recognise the
# person, nothing else. Health and mental state, belongings, fingerprint/DNA references,
# the station's internal number and anything about the family are never copied to a notice.
NOTICE_FROM_CASE = (
    "told_name",
    "sex",
    "age_min",
    "age_max",
    "found_date",
    "found_place",
    "dialect",
)


def notice_appearance(case) -> str:
    parts = []
    if case.height_cm:
        parts.append(f"身高约{case.height_cm}厘米")
    parts += [x for x in (case.build, case.marks, case.clothing) if x]
    return "；".join(parts)
