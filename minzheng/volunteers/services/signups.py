"""Sign-ups to shifts: the volunteer row locked, overlaps and daily hours checked, the
shift's places taken with one conditional UPDATE; withdrawal, the waiting list, decisions.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm
from minzheng.core.sms import sms_queue

from .. import rules
from ..models import (
    Activity,
    Shift,
    SignUp,
    Volunteer,
)
from .common import REASON_TEXT, _fail, _param


def _sms_to(volunteer_id: int, text: str) -> None:
    phone = Volunteer.objects.select_related("person").get(pk=volunteer_id).person.phone
    sms_queue(phone=phone, text=text, source="volunteers")


def _conflicts(
    volunteer: Volunteer, shift: Shift, *, exclude_signup: int | None = None
) -> dict[str, str]:
    """Overlap and daily-hours checks; the caller holds the volunteer's row lock."""
    held = (
        SignUp.objects.filter(volunteer=volunteer, status__in=SignUp.HOLDING)
        .exclude(pk=exclude_signup)
        .select_related("shift")
    )
    day = rules.local_date(shift.starts_at)
    minutes = shift.minutes
    for s in held:
        if rules.overlaps(s.shift.starts_at, s.shift.ends_at, shift.starts_at, shift.ends_at):
            return {
                "shift": _("与您已报名的班次时间重叠（%(t)s）。")
                % {"t": timezone.localtime(s.shift.starts_at).strftime("%m-%d %H:%M")}
            }
        if rules.local_date(s.shift.starts_at) == day:
            minutes += s.shift.minutes
    limit = _param(rules.MAX_HOURS_PER_DAY, day, volunteer.home_division_id)
    if minutes > int(limit) * 60:
        return {"shift": _("超过每日服务时长上限 %(h)s 小时。") % {"h": limit}}
    return {}


def _take_place(shift_id: int) -> bool:
    return (
        Shift.objects.filter(pk=shift_id, taken__lt=F("needed")).update(taken=F("taken") + 1) == 1
    )


def _release_place(shift_id: int) -> None:
    Shift.objects.filter(pk=shift_id, taken__gt=0).update(taken=F("taken") - 1)


def signup_create(
    *,
    actor,
    volunteer: Volunteer,
    shift: Shift,
    preference: int = 1,
    waitlist: bool = False,
    now: dt.datetime | None = None,
) -> SignUp:
    """我报名. Confirmed at once when the activity approves automatically, else pending (both
    hold a place). A full shift is refused unless `waitlist` asks for the waiting list."""
    now = now or timezone.now()
    activity = shift.post.activity
    errors: dict[str, str] = {}
    if activity.status != Activity.Status.PUBLISHED or shift.is_closed or shift.starts_at <= now:
        errors["shift"] = _("该班次已停止报名。")
    elif not volunteer.is_active:
        errors["volunteer"] = _("志愿者身份已停用。")
    else:
        reason = rules.ineligibility(
            volunteer=volunteer,
            post=shift.post,
            on=rules.local_date(shift.starts_at),
            certificates=list(volunteer.certificates.all()),
        )
        if reason:
            errors["shift"] = f"{REASON_TEXT[reason]}。"
    _fail(errors)
    with transaction.atomic():
        Volunteer.objects.select_for_update().get(
            pk=volunteer.pk
        )  # serialise this volunteer's sign-ups
        if SignUp.objects.filter(
            volunteer=volunteer, shift=shift, status__in=SignUp.ACTIVE
        ).exists():
            raise ValidationError({"shift": _("您已报名该班次。")})
        _fail(_conflicts(volunteer, shift))
        if _take_place(shift.pk):
            status = SignUp.Status.CONFIRMED if activity.auto_approve else SignUp.Status.PENDING
        elif waitlist:
            status = SignUp.Status.WAITLISTED
        else:
            raise ValidationError({"shift": _("该班次已满，可以加入候补。")})
        signup = SignUp.objects.create(
            volunteer=volunteer, shift=shift, status=status, preference=preference
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=signup,
            summary=f"报名 {shift} → {signup.get_status_display()}",
        )
        if status == SignUp.Status.CONFIRMED:
            text = _("【志愿服务】您已成功报名 %(s)s，请按时到岗签到。") % {"s": _shift_text(shift)}
            transaction.on_commit(lambda: _sms_to(volunteer.pk, text))
    return signup


def _shift_text(shift: Shift) -> str:
    start = timezone.localtime(shift.starts_at)
    return f"{shift.post.activity.title} {shift.post.site.name} {shift.post.role} {start:%m月%d日 %H:%M}-{timezone.localtime(shift.ends_at):%H:%M}"


def _promote(shift: Shift, *, actor) -> SignUp | None:
    """Fill a freed place from the waiting list, first come first served, skipping anyone
    now booked at an overlapping time or at the daily limit."""
    for waiting in SignUp.objects.filter(shift=shift, status=SignUp.Status.WAITLISTED).order_by(
        "created_at", "id"
    ):
        Volunteer.objects.select_for_update().get(pk=waiting.volunteer_id)
        if _conflicts(waiting.volunteer, shift, exclude_signup=waiting.pk):
            continue
        if not _take_place(shift.pk):
            return None
        waiting.status = (
            SignUp.Status.CONFIRMED if shift.post.activity.auto_approve else SignUp.Status.PENDING
        )
        waiting.save(update_fields=["status", "updated_at"])
        audit.record(actor=actor, action=audit.Action.UPDATE, target=waiting, summary="候补递补")
        text = _("【志愿服务】候补成功：%(s)s。") % {"s": _shift_text(shift)}
        transaction.on_commit(lambda vid=waiting.volunteer_id, text=text: _sms_to(vid, text))
        return waiting
    return None


def signup_withdraw(*, actor, signup: SignUp, now: dt.datetime | None = None) -> SignUp:
    """Withdraw until the deadline (parameter: hours before the shift starts); the freed
    place goes to the waiting list."""
    now = now or timezone.now()
    shift = signup.shift
    if signup.status not in SignUp.ACTIVE:
        raise ValidationError({"signup": _("该报名已不在有效状态。")})
    hours = _param(
        rules.WITHDRAW_DEADLINE_HOURS,
        rules.local_date(shift.starts_at),
        shift.post.activity.division_id,
    )
    if now > shift.starts_at - dt.timedelta(hours=int(hours)):
        raise ValidationError(
            {"signup": _("已过退出截止时间（开始前 %(h)s 小时），请联系组织者。") % {"h": hours}}
        )
    with transaction.atomic():
        locked = SignUp.objects.select_for_update().get(pk=signup.pk)
        if locked.status not in SignUp.ACTIVE:
            raise ValidationError({"signup": _("该报名已不在有效状态。")})
        held = locked.status in SignUp.HOLDING
        locked.status = SignUp.Status.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        audit.record(actor=actor, action=audit.Action.UPDATE, target=locked, summary="退出报名")
        if held:
            _release_place(shift.pk)
            _promote(shift, actor=actor)
    return locked


def signup_decide(*, actor, signup: SignUp, approve: bool, note: str = "") -> SignUp:
    """The organiser approves or rejects a pending sign-up; a rejection frees the place."""
    require_perm(actor, "volunteers.change_signup")
    with transaction.atomic():
        locked = SignUp.objects.select_for_update().get(pk=signup.pk)
        if locked.status != SignUp.Status.PENDING:
            raise ValidationError({"signup": _("只有待审核的报名可以审核。")})
        locked.status = SignUp.Status.CONFIRMED if approve else SignUp.Status.REJECTED
        locked.note = note[:200]
        locked.save(update_fields=["status", "note", "updated_at"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=locked,
            summary="审核通过" if approve else "审核不通过",
        )
        shift = locked.shift
        text = (
            _("【志愿服务】报名已通过：%(s)s。")
            if approve
            else _("【志愿服务】很抱歉，报名未通过：%(s)s。")
        ) % {"s": _shift_text(shift)}
        transaction.on_commit(lambda: _sms_to(locked.volunteer_id, text))
        if not approve:
            _release_place(shift.pk)
            _promote(shift, actor=actor)
    return locked
