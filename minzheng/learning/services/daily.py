"""Daily study: check-ins with points under daily caps, streaks, reminders."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core.params import parameter_value
from minzheng.core.sms import sms_queue
from minzheng.volunteers import selectors as volunteers

from .. import rules, selectors
from ..models import (
    CheckIn,
    StudyDay,
    StudyIssue,
)
from .common import member_of


def checkin_create(
    *,
    actor,
    minutes,
    source: str = CheckIn.Source.TIMER,
    book: str = "",
    issue: StudyIssue | None = None,
    now=None,
) -> CheckIn:
    """Add study time for today. Points: one per `learning_minutes_per_point`, up to the
    day's cap; refused once the day's points or minutes are at their caps. The member's
    day row is locked (SELECT … FOR UPDATE), so two check-ins cannot both pass a cap."""
    member = member_of(actor)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    division = member.branch.division_id
    p = {
        key: parameter_value(key, on=today, division_code=division)
        for key, *_rest in rules.PARAMETER_DEFAULTS
    }
    per_point = int(p["learning_minutes_per_point"].value)
    points_cap = int(p["learning_daily_points_cap"].value)
    minutes_cap = int(p["learning_daily_minutes_cap"].value)
    once_cap = int(p["learning_checkin_max_minutes"].value)
    errors: dict[str, str] = {}
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        try:
            minutes = int(str(minutes))
        except (TypeError, ValueError):
            minutes = None
    if minutes is None or minutes < 1:
        errors["minutes"] = _("学习时长至少 1 分钟。")
    elif minutes > once_cap:
        errors["minutes"] = _("单次打卡不能超过 %(n)s 分钟。") % {"n": once_cap}
    if source not in CheckIn.Source.values:
        errors["source"] = _("学习方式不正确。")
    elif source == CheckIn.Source.TIMER and book not in rules.SET_BOOKS:
        errors["book"] = _("请选择学习书目。")
    elif source == CheckIn.Source.MATERIAL and issue is None:
        errors["issue"] = _("请选择学习资料。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        day, _created = StudyDay.objects.get_or_create(
            member=member,
            day=today,
            defaults={"branch_id": member.branch_id, "division_id": division},
        )
        day = StudyDay.objects.select_for_update().get(pk=day.pk)
        if day.points >= points_cap:
            raise ValidationError(
                {"minutes": _("今日学习积分已达上限 %(n)s 分，明天再来吧。") % {"n": points_cap}}
            )
        if day.minutes + minutes > minutes_cap:
            raise ValidationError(
                {
                    "minutes": _(
                        "今日已记学习 %(d)s 分钟，每日最多记 %(cap)s 分钟，本次最多还能记 %(left)s 分钟。"
                    )
                    % {"d": day.minutes, "cap": minutes_cap, "left": minutes_cap - day.minutes}
                }
            )
        points = rules.points_for(
            minutes=minutes, minutes_per_point=per_point, points_today=day.points, cap=points_cap
        )
        day.minutes += minutes
        day.points += points
        day.save(update_fields=["minutes", "points"])
        checkin = CheckIn.objects.create(
            day=day,
            division_id=division,
            source=source,
            book=book if source == CheckIn.Source.TIMER else "",
            issue=issue if source == CheckIn.Source.MATERIAL else None,
            minutes=minutes,
            points=points,
            parameters={k: v.as_record() for k, v in p.items()},
            created_at=now,
        )
    return checkin


def reminders_send(*, day: dt.date | None = None, channel: str = "sms") -> int:
    """每日一学 reminders: one SMS (console in the embedded setup) to each party member of a
    branch that receives study material and who has not studied today. Keyed per member
    and day, so running the command twice sends each reminder once. Returns how many were
    queued. channel="app" queues none: the portal shows the reminder on its own."""
    day = day or timezone.localdate()
    if channel == "app":
        return 0
    studied = set(StudyDay.objects.filter(day=day).values_list("member_id", flat=True))
    branch_ids = selectors.studying_branch_ids()
    queued = 0
    with transaction.atomic():
        for member in volunteers.party_members(branch_ids=branch_ids):
            if member.pk in studied:
                continue
            row = sms_queue(
                phone=member.person.phone,
                text=_("【南海民政】%(name)s同志，今天的“每日一学”还没有完成，请抽空学习半小时。")
                % {"name": member.person.name},
                source="learning.remind",
                key=f"learning.remind:{day:%Y%m%d}:{member.pk}",
            )
            queued += row is not None
    return queued
