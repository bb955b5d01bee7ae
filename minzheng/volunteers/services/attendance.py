"""Attendance: signed site and volunteer codes, check-in and check-out, missing check-outs
closed, corrections with a reason; and the hours of service in another app's activity
(`outside_service_record`).
"""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.models import Division
from minzheng.core.permissions import require_perm

from .. import rules
from ..models import (
    Activity,
    Attendance,
    AttendanceCorrection,
    Post,
    Shift,
    SignUp,
    Site,
    Volunteer,
)
from ..workflows import ACTIVITY
from .common import _fail, _param

SITE_SALT = "volunteers.site-checkin"
PERSON_SALT = "volunteers.volunteer-code"


def site_token(site: Site) -> str:
    return signing.dumps({"site": site.pk}, salt=SITE_SALT, compress=True)


def site_from_token(token: str, *, max_age_days: int = 60) -> Site:
    try:
        data = signing.loads(token, salt=SITE_SALT, max_age=dt.timedelta(days=max_age_days))
        return Site.objects.select_related("activity").get(pk=data["site"])
    except (signing.BadSignature, KeyError, TypeError, Site.DoesNotExist):
        raise ValidationError({"token": _("二维码无效或已过期。")}) from None


def volunteer_token(volunteer: Volunteer) -> str:
    return signing.dumps({"v": volunteer.pk}, salt=PERSON_SALT, compress=True)


def volunteer_from_token(token: str) -> Volunteer:
    try:
        data = signing.loads(token, salt=PERSON_SALT, max_age=dt.timedelta(days=365))
        return Volunteer.objects.get(pk=data["v"])
    except (signing.BadSignature, KeyError, TypeError, Volunteer.DoesNotExist):
        raise ValidationError({"token": _("志愿者码无效。")}) from None


def _window_params(shift: Shift) -> tuple[int, int, int]:
    day, div = rules.local_date(shift.starts_at), shift.post.activity.division_id
    return (
        int(_param(rules.CHECKIN_BEFORE_MINUTES, day, div)),
        int(_param(rules.CHECKIN_AFTER_MINUTES, day, div)),
        int(_param(rules.CHECKOUT_AFTER_MINUTES, day, div)),
    )


def current_signup(*, volunteer: Volunteer, now: dt.datetime) -> list[SignUp]:
    """Confirmed sign-ups whose check-in/out period contains `now`."""
    out = []
    for s in SignUp.objects.filter(
        volunteer=volunteer,
        status=SignUp.Status.CONFIRMED,
        shift__starts_at__lte=now + dt.timedelta(hours=6),
        shift__ends_at__gte=now - dt.timedelta(hours=6),
    ).select_related("shift__post__site", "shift__post__activity"):
        before, _after, out_after = _window_params(s.shift)
        if (
            s.shift.starts_at - dt.timedelta(minutes=before)
            <= now
            <= s.shift.ends_at + dt.timedelta(minutes=out_after)
        ):
            out.append(s)
    return out


def attendance_check_in(
    *,
    actor,
    volunteer: Volunteer,
    site: Site,
    now: dt.datetime | None = None,
    method: str = "site_qr",
) -> Attendance:
    """Check in at `site`. Refused outside the check-in window, at another site than the
    volunteer's shift, or a second time."""
    now = now or timezone.now()
    candidates = current_signup(volunteer=volunteer, now=now)
    here = [s for s in candidates if s.shift.post.site_id == site.pk]
    if not here:
        if candidates:
            raise ValidationError(
                {
                    "site": _("您本班次的服务点是“%(s)s”，不是本服务点。")
                    % {"s": candidates[0].shift.post.site.name}
                }
            )
        raise ValidationError({"site": _("现在不在您任何班次的签到时间内。")})
    signup = here[0]
    before, after, _out = _window_params(signup.shift)
    lo, hi = rules.checkin_window(
        starts=signup.shift.starts_at, ends=signup.shift.ends_at, before_min=before, after_min=after
    )
    if Attendance.objects.filter(signup=signup).exists():
        raise ValidationError({"site": _("您已签到，不能重复签到。")})
    if not lo <= now <= hi:
        raise ValidationError(
            {
                "site": _("签到时间为 %(a)s 至 %(b)s。")
                % {
                    "a": timezone.localtime(lo).strftime("%H:%M"),
                    "b": timezone.localtime(hi).strftime("%H:%M"),
                }
            }
        )
    with transaction.atomic():
        att = Attendance.objects.create(signup=signup, checked_in_at=now, method=method)
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=att, summary=f"签到 {signup.shift}"
        )
    return att


def attendance_check_out(
    *, actor, volunteer: Volunteer, site: Site, now: dt.datetime | None = None
) -> Attendance:
    now = now or timezone.now()
    att = (
        Attendance.objects.filter(
            signup__volunteer=volunteer, signup__shift__post__site=site, checked_out_at__isnull=True
        )
        .select_related("signup__shift")
        .order_by("-checked_in_at")
        .first()
    )
    if att is None:
        raise ValidationError({"site": _("没有本服务点的签到记录，不能签退。")})
    shift = att.signup.shift
    _b, _a, out_after = _window_params(shift)
    if now > shift.ends_at + dt.timedelta(minutes=out_after):
        raise ValidationError(
            {"site": _("已超过签退时间，将按班次结束时间计时，如有出入请联系组织者更正。")}
        )
    with transaction.atomic():
        att.checked_out_at = now
        att.service_minutes = rules.service_minutes(
            att.checked_in_at, now, shift.starts_at, shift.ends_at
        )
        att.save(update_fields=["checked_out_at", "service_minutes"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=att,
            summary=f"签退 {att.service_minutes} 分钟",
        )
    return att


def attendance_close_missing(*, now: dt.datetime | None = None) -> int:
    """Check-ins without a check-out whose checkout period is over: credit the shift end
    and flag them (the organiser may correct). Idempotent."""
    now = now or timezone.now()
    closed = 0
    for att in Attendance.objects.filter(checked_out_at__isnull=True).select_related(
        "signup__shift__post__activity"
    ):
        shift = att.signup.shift
        _b, _a, out_after = _window_params(shift)
        if now <= shift.ends_at + dt.timedelta(minutes=out_after):
            continue
        with transaction.atomic():
            att.checked_out_at, att.checkout_missing = shift.ends_at, True
            att.service_minutes = rules.service_minutes(
                att.checked_in_at, shift.ends_at, shift.starts_at, shift.ends_at
            )
            att.save(update_fields=["checked_out_at", "checkout_missing", "service_minutes"])
        closed += 1
    return closed


def attendance_correct(
    *,
    actor,
    attendance: Attendance,
    checked_in_at: dt.datetime,
    checked_out_at: dt.datetime,
    reason: str,
) -> Attendance:
    """The organiser's correction, with a reason; the old times stay in the corrections
    table and the record's history."""
    require_perm(actor, "volunteers.record_attendance")
    errors = {}
    if not reason.strip():
        errors["reason"] = _("请填写更正原因。")
    if checked_out_at <= checked_in_at:
        errors["checked_out_at"] = _("签退时间必须晚于签到时间。")
    _fail(errors)
    shift = attendance.signup.shift
    with transaction.atomic():
        AttendanceCorrection.objects.create(
            attendance=attendance,
            old_in=attendance.checked_in_at,
            old_out=attendance.checked_out_at,
            new_in=checked_in_at,
            new_out=checked_out_at,
            reason=reason.strip(),
            by=actor,
        )
        attendance.checked_in_at, attendance.checked_out_at = checked_in_at, checked_out_at
        attendance.checkout_missing = False
        attendance.service_minutes = rules.service_minutes(
            checked_in_at, checked_out_at, shift.starts_at, shift.ends_at
        )
        attendance.save(
            update_fields=["checked_in_at", "checked_out_at", "checkout_missing", "service_minutes"]
        )
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=attendance,
            summary=f"考勤更正：{reason.strip()}",
        )
    return attendance


def outside_service_record(
    *,
    actor,
    title: str,
    organiser: str,
    division_code: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    volunteer_ids: list[int],
    role: str = "陪伴",
) -> Activity:
    """Hours of volunteers who served in an activity another app runs (a welfare-home visit,
    a respite session). Writes one closed activity with one site, post and shift, and per
    volunteer a confirmed sign-up and an attendance row for the whole shift, so the hours
    count in `selectors.volunteer_minutes` and certificates like any other service.

    The calling app checks its own permission and scope, and calls once per activity of its
    own (it keeps the returned activity's id)."""
    ids = sorted(set(volunteer_ids))
    errors = {}
    if not title.strip():
        errors["title"] = _("请填写活动名称。")
    if not Division.objects.filter(code=division_code).exists():
        errors["division"] = _("请选择本辖区内的区划。")
    if ends_at <= starts_at:
        errors["ends_at"] = _("结束时间必须晚于开始时间。")
    if role not in dict(Post._meta.get_field("role").choices):
        errors["role"] = _("请选择岗位。")
    volunteers = list(Volunteer.objects.filter(pk__in=ids).order_by("id"))
    if not ids or len(volunteers) != len(ids):
        errors["volunteers"] = _("请选择已登记的志愿者。")
    _fail(errors)
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    with transaction.atomic():
        activity = Activity.objects.create(
            title=title.strip()[:120],
            division_id=division_code,
            organiser=(organiser or "").strip()[:80] or "—",
            description=_("由其他业务登记的志愿服务"),
            status=Activity.Status.CLOSED,
            created_by=actor,
        )
        workflow.start(workflow=ACTIVITY, obj=activity, name="record_outside", actor=actor)
        site = Site.objects.create(activity=activity, name=(place or "").strip()[:80] or "—")
        post = Post.objects.create(activity=activity, site=site, role=role)
        shift = Shift.objects.create(
            post=post,
            starts_at=starts_at,
            ends_at=ends_at,
            needed=len(volunteers),
            taken=len(volunteers),
            is_closed=True,
        )
        for volunteer in volunteers:
            signup = SignUp.objects.create(
                volunteer=volunteer,
                shift=shift,
                status=SignUp.Status.CONFIRMED,
                source=SignUp.Source.DISPATCH,
            )
            Attendance.objects.create(
                signup=signup,
                checked_in_at=starts_at,
                checked_out_at=ends_at,
                service_minutes=minutes,
                method="outside",
            )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=activity,
            summary=f"登记志愿服务 {activity.title} {len(volunteers)} 人 × {minutes} 分钟",
        )
    return activity
