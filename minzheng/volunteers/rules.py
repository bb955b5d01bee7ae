"""Volunteer-service rules as plain functions of data (no queries)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

SKILLS = ("测温", "扫码", "引导", "维持秩序", "登记", "陪伴", "后勤", "急救", "驾驶", "粤语")

# Policy-parameter keys (values live in core.PolicyParameter; defaults in migration 0002).
MAX_HOURS_PER_DAY = "volunteers_max_hours_per_day"
WITHDRAW_DEADLINE_HOURS = "volunteers_withdraw_deadline_hours"
CHECKIN_BEFORE_MINUTES = "volunteers_checkin_before_minutes"
CHECKIN_AFTER_MINUTES = "volunteers_checkin_after_minutes"
CHECKOUT_AFTER_MINUTES = "volunteers_checkout_after_minutes"

# Default values (illustrative: no public document sets them), as rows for
# core.services.parameters_ensure_defaults, which migration 0002 calls.
PARAMETER_SOURCE = "南海区民政局志愿服务工作安排（示例取值）"
PARAMETER_DEFAULTS = tuple(
    (key, name, value, "integer", unit, dt.date(2020, 1, 1), PARAMETER_SOURCE, True)
    for key, name, value, unit in (
        (MAX_HOURS_PER_DAY, "志愿者每日服务时长上限", "8", "小时"),
        (WITHDRAW_DEADLINE_HOURS, "报名退出截止（班次开始前）", "12", "小时"),
        (CHECKIN_BEFORE_MINUTES, "可提前签到", "30", "分钟"),
        (CHECKIN_AFTER_MINUTES, "开始后仍可签到", "60", "分钟"),
        (CHECKOUT_AFTER_MINUTES, "结束后仍可签退", "120", "分钟"),
    )
)


def overlaps(
    a_start: dt.datetime, a_end: dt.datetime, b_start: dt.datetime, b_end: dt.datetime
) -> bool:
    """Half-open intervals: a shift ending at 10:00 does not overlap one starting at 10:00."""
    return a_start < b_end and b_start < a_end


def service_minutes(
    checked_in: dt.datetime, checked_out: dt.datetime, starts: dt.datetime, ends: dt.datetime
) -> int:
    """Service time only (记录真实、准确、完整): the part of [in, out] inside the shift;
    arriving early or staying late (travel, waiting) is not service time."""
    start, end = max(checked_in, starts), min(checked_out, ends)
    return max(0, int((end - start).total_seconds() // 60))


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def ineligibility(*, volunteer, post, on: dt.date, certificates: Iterable) -> str | None:
    """Why a volunteer cannot take a post (a message key), or None."""
    if post.party_only and not volunteer.is_party_member:
        return "party"
    if post.required_skill and post.required_skill not in (volunteer.skills or []):
        return "skill"
    if post.required_certificate and not any(
        c.name == post.required_certificate and c.expires_on >= on for c in certificates
    ):
        return "certificate"
    return None


def availability_windows(
    *, weekly: Iterable, exceptions: Iterable, day_from: dt.date, day_to: dt.date
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Concrete [start, end) windows in local time for each day in [day_from, day_to]:
    the weekly pattern, replaced on a date with exceptions by those exceptions."""
    tz = timezone.get_current_timezone()
    by_weekday: dict[int, list] = {}
    for w in weekly:
        by_weekday.setdefault(w.weekday, []).append((w.start, w.end))
    by_date: dict[dt.date, list] = {}
    for e in exceptions:
        by_date.setdefault(e.date, [])
        if e.available and e.start and e.end:
            by_date[e.date].append((e.start, e.end))
    out = []
    day = day_from
    while day <= day_to:
        spans = by_date.get(day, by_weekday.get(day.weekday(), []))
        for start, end in spans:
            out.append((dt.datetime.combine(day, start, tz), dt.datetime.combine(day, end, tz)))
        day += dt.timedelta(days=1)
    return _merge(out)


def _merge(windows: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for s, e in sorted(windows):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def subtract(
    windows: list[tuple[dt.datetime, dt.datetime]], busy: Iterable[tuple[dt.datetime, dt.datetime]]
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Windows minus busy intervals (shifts already held in other activities)."""
    out = list(windows)
    for bs, be in busy:
        nxt = []
        for s, e in out:
            if be <= s or bs >= e:
                nxt.append((s, e))
                continue
            if s < bs:
                nxt.append((s, bs))
            if be < e:
                nxt.append((be, e))
        out = nxt
    return out


def checkin_window(
    *, starts: dt.datetime, ends: dt.datetime, before_min: int, after_min: int
) -> tuple[dt.datetime, dt.datetime]:
    """Check-in is accepted from `before_min` before the start to `after_min` after it
    (and never after the end)."""
    return starts - dt.timedelta(minutes=before_min), min(
        ends, starts + dt.timedelta(minutes=after_min)
    )
