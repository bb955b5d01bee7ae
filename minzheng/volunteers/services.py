"""Every write of the volunteers app. Each service validates first and raises one
ValidationError (field → message) so bad input writes nothing; then writes inside
transaction.atomic(); SMS go out on commit.

Locking (DESIGN "Capacity"): a sign-up locks the volunteer row (SELECT … FOR UPDATE)
before checking overlaps and daily hours, so two concurrent sign-ups of one volunteer are
serialised; the shift's places are taken with one conditional UPDATE
(taken = taken + 1 WHERE taken < needed), so the last place cannot be taken twice.
Order: volunteer row first, then the shift's counter.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.core import audit
from minzheng.core.models import Division, Job
from minzheng.core.params import parameter_value
from minzheng.core.permissions import require_perm
from minzheng.core.services import job_create, job_finish, job_progress
from minzheng.core.sms import sms_queue
from minzheng.core.tasks import enqueue
from minzheng.core.validators import date_error, name_error, validate_event_date

from . import rules, solver
from .models import (
    Activity,
    Attendance,
    AttendanceCorrection,
    AvailabilityException,
    Certificate,
    DispatchPlan,
    PartyBranch,
    PlanAssignment,
    Post,
    ServiceCertificate,
    Shift,
    SignUp,
    Site,
    Volunteer,
    WeeklyAvailability,
)

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


# ------------------------------------------------------------------ volunteers


@dataclass
class VolunteerInput:
    is_party_member: bool = False
    branch_id: int | None = None
    skills: tuple[str, ...] = ()
    home_division_code: str = ""
    lat: Decimal | None = None
    lon: Decimal | None = None


def volunteer_register(
    *, actor, person, data: VolunteerInput, joined_on: dt.date | None = None
) -> Volunteer:
    """Register a registry person as a volunteer (staff, or the resident themself)."""
    errors: dict[str, str] = {}
    if person is None or person.is_void:
        errors["person"] = _("请先关联有效的登记人员。")
    elif Volunteer.objects.filter(person=person).exists():
        errors["person"] = _("该人员已是志愿者。")
    unknown = [s for s in data.skills if s not in rules.SKILLS]
    if unknown:
        errors["skills"] = _("未知技能：%(s)s") % {"s": "、".join(unknown)}
    home = data.home_division_code or (person.residence_division_id if person else "")
    if not Division.objects.filter(code=home, level="community").exists():
        errors["home_division"] = _("请选择常住村居。")
    branch = None
    if data.branch_id:
        branch = PartyBranch.objects.filter(pk=data.branch_id).first()
        if branch is None:
            errors["branch"] = _("党支部不存在。")
        elif not data.is_party_member:
            errors["branch"] = _("只有党员才能选择党支部。")
    if (data.lat is None) != (data.lon is None):
        errors["lat"] = _("经纬度需同时填写。")
    _fail(errors)
    with transaction.atomic():
        volunteer = Volunteer.objects.create(
            person=person,
            is_party_member=data.is_party_member,
            branch=branch,
            skills=list(data.skills),
            home_division_id=home,
            lat=data.lat,
            lon=data.lon,
            joined_on=joined_on or timezone.localdate(),
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=volunteer,
            summary=f"志愿者注册 {person.name}",
        )
    return volunteer


def volunteer_self_register(
    *, user, skills: tuple[str, ...], weekly: list[tuple[int, dt.time, dt.time]]
) -> Volunteer:
    """A resident registers as a volunteer: the bound ID number links the registry person."""
    profile = getattr(user, "resident_profile", None)
    if profile is None or profile.person_id is None:
        raise ValidationError(
            {"person": _("请先在“我的”中完成实名绑定（身份证号码需已在民政登记）。")}
        )
    with transaction.atomic():
        volunteer = volunteer_register(
            actor=user, person=profile.person, data=VolunteerInput(skills=tuple(skills))
        )
        availability_set(actor=user, volunteer=volunteer, weekly=weekly)
    return volunteer


def availability_set(
    *, actor, volunteer: Volunteer, weekly: list[tuple[int, dt.time, dt.time]]
) -> None:
    errors = {}
    for weekday, start, end in weekly:
        if not 0 <= weekday <= 6:
            errors["weekly"] = _("星期取值应为 0–6。")
        elif end <= start:
            errors["weekly"] = _("结束时间必须晚于开始时间。")
    _fail(errors)
    with transaction.atomic():
        volunteer.weekly.all().delete()
        WeeklyAvailability.objects.bulk_create(
            WeeklyAvailability(volunteer=volunteer, weekday=w, start=s, end=e) for w, s, e in weekly
        )
        audit.record(
            actor=actor, action=audit.Action.UPDATE, target=volunteer, summary="更新可服务时间"
        )


def availability_exception_add(
    *,
    actor,
    volunteer: Volunteer,
    date: dt.date,
    available: bool,
    start: dt.time | None = None,
    end: dt.time | None = None,
) -> AvailabilityException:
    """A date that differs from the weekly pattern: away all day, or available in a window."""
    errors = {}
    if available and (start is None or end is None):
        errors["start"] = _("可服务时请填写开始和结束时间。")
    elif available and end <= start:
        errors["end"] = _("结束时间必须晚于开始时间。")
    _fail(errors)
    with transaction.atomic():
        exc = AvailabilityException.objects.create(
            volunteer=volunteer,
            date=date,
            available=available,
            start=start if available else None,
            end=end if available else None,
        )
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=volunteer,
            summary=f"可服务时间例外 {date:%Y-%m-%d}",
        )
    return exc


def certificate_add(
    *, actor, volunteer: Volunteer, name: str, expires_on: dt.date, number: str = ""
) -> Certificate:
    if not name.strip():
        raise ValidationError({"name": _("请填写证书名称。")})
    with transaction.atomic():
        cert = Certificate.objects.create(
            volunteer=volunteer, name=name.strip(), expires_on=expires_on, number=number
        )
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=volunteer, summary=f"添加证书 {name}"
        )
    return cert


# ------------------------------------------------------------------ activities


def activity_create(
    *,
    actor,
    title: str,
    division_code: str,
    organiser: str,
    description: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    auto_approve: bool = True,
) -> Activity:
    require_perm(actor, "volunteers.add_activity")
    from minzheng.core.scope import code_in_scope

    errors = {}
    if not title.strip():
        errors["title"] = _("请填写活动名称。")
    if not Division.objects.filter(code=division_code).exists() or not code_in_scope(
        actor, division_code
    ):
        errors["division"] = _("请选择本辖区内的区划。")
    if not organiser.strip():
        errors["organiser"] = _("请填写组织单位。")
    if name_error(contact_name):
        errors["contact_name"] = name_error(contact_name)
    _fail(errors)
    with transaction.atomic():
        activity = Activity.objects.create(
            title=title.strip(),
            division_id=division_code,
            organiser=organiser.strip(),
            description=description,
            contact_name=contact_name,
            contact_phone=contact_phone,
            auto_approve=auto_approve,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=activity,
            summary=f"新建活动 {activity.title}",
        )
    return activity


def site_add(
    *, actor, activity: Activity, name: str, address: str = "", lat=None, lon=None
) -> Site:
    require_perm(actor, "volunteers.change_activity")
    if not name.strip():
        raise ValidationError({"name": _("请填写服务点名称。")})
    if (lat is None) != (lon is None):
        raise ValidationError({"lat": _("经纬度需同时填写。")})
    site = Site.objects.create(
        activity=activity, name=name.strip(), address=address, lat=lat, lon=lon
    )
    audit.record(
        actor=actor, action=audit.Action.CREATE, target=activity, summary=f"服务点 {site.name}"
    )
    return site


def post_add(
    *,
    actor,
    site: Site,
    role: str,
    required_skill: str = "",
    required_certificate: str = "",
    party_only: bool = False,
) -> Post:
    require_perm(actor, "volunteers.change_activity")
    errors = {}
    if role not in dict(Post._meta.get_field("role").choices):
        errors["role"] = _("请选择岗位。")
    if required_skill and required_skill not in rules.SKILLS:
        errors["required_skill"] = _("未知技能。")
    _fail(errors)
    post = Post.objects.create(
        activity=site.activity,
        site=site,
        role=role,
        required_skill=required_skill,
        required_certificate=required_certificate,
        party_only=party_only,
    )
    audit.record(
        actor=actor, action=audit.Action.CREATE, target=site.activity, summary=f"岗位 {post}"
    )
    return post


def shift_add(
    *,
    actor,
    post: Post,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    needed: int | None,
) -> Shift:
    """Refuses reversed or empty times, headcount below 1, and a shift overlapping another
    shift of the same post (add the headcount to that shift instead)."""
    require_perm(actor, "volunteers.change_activity")
    errors = {}
    if starts_at is None:
        errors["starts_at"] = _("请填写开始时间。")
    elif date_error(validate_event_date, starts_at):
        errors["starts_at"] = date_error(validate_event_date, starts_at)
    if ends_at is None:
        errors["ends_at"] = _("请填写结束时间。")
    elif date_error(validate_event_date, ends_at):
        errors["ends_at"] = date_error(validate_event_date, ends_at)
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = _("结束时间必须晚于开始时间。")
    if needed is None or needed < 1:
        errors["needed"] = _("需要人数至少为 1。")
    if not errors and post.shifts.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        errors["starts_at"] = _("与本岗位已有班次时间重叠，请调整时间或增加该班次人数。")
    _fail(errors)
    shift = Shift.objects.create(post=post, starts_at=starts_at, ends_at=ends_at, needed=needed)
    audit.record(
        actor=actor, action=audit.Action.CREATE, target=post.activity, summary=f"班次 {shift}"
    )
    return shift


def matching_volunteers(activity: Activity):
    """Active volunteers in the activity's area who meet the requirements of at least one post."""
    from minzheng.core.scope import division_prefix_of, prefix_q

    qs = Volunteer.objects.filter(
        prefix_q("home_division", division_prefix_of(activity.division_id)), is_active=True
    )
    posts = list(activity.posts.all())
    today = timezone.localdate()
    out = []
    for v in qs.select_related("person").prefetch_related("certificates"):
        certs = list(v.certificates.all())
        if any(
            rules.ineligibility(volunteer=v, post=p, on=today, certificates=certs) is None
            for p in posts
        ):
            out.append(v)
    return out


def notify_activity_published(*, activity_id: int) -> None:
    """Task: SMS to the matching volunteers. Idempotent: each message is queued under the
    key (activity, volunteer), so a second run (or a second publish) notifies nobody twice."""
    activity = Activity.objects.get(pk=activity_id)
    text = _("【志愿服务】%(t)s 正在招募志愿者，打开“民政为民服务—志愿服务”报名。") % {
        "t": activity.title
    }
    for v in matching_volunteers(activity):
        sms_queue(
            phone=v.person.phone,
            text=text,
            source="volunteers.activity_published",
            key=f"volunteers.activity_published:{activity.pk}:{v.pk}",
        )


def activity_publish(*, actor, activity: Activity) -> Activity:
    """Publish to the portal ("志愿服务") and SMS matching volunteers after commit."""
    require_perm(actor, "volunteers.change_activity")
    if activity.status != Activity.Status.DRAFT:
        raise ValidationError({"status": _("只有草稿状态的活动可以发布。")})
    if not Shift.objects.filter(post__activity=activity).exists():
        raise ValidationError({"status": _("请先添加服务点、岗位和班次。")})
    with transaction.atomic():
        activity.status, activity.published_at = Activity.Status.PUBLISHED, timezone.now()
        activity.save(update_fields=["status", "published_at"])
        audit.record(actor=actor, action=audit.Action.UPDATE, target=activity, summary="发布活动")
        enqueue(notify_activity_published, activity_id=activity.pk)
    return activity


def activity_close(*, actor, activity: Activity) -> Activity:
    require_perm(actor, "volunteers.change_activity")
    with transaction.atomic():
        activity.status = Activity.Status.CLOSED
        activity.save(update_fields=["status"])
        audit.record(actor=actor, action=audit.Action.UPDATE, target=activity, summary="结束活动")
    return activity


# ------------------------------------------------------------------ sign-up


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


# ------------------------------------------------------------------ dispatch


def _minute(moment: dt.datetime) -> int:
    return int(moment.timestamp() // 60)


def dispatch_instance(
    activity: Activity,
) -> tuple[solver.Instance, dict[str, Shift], dict[str, Volunteer]]:
    """The solver's view of an activity: its shifts as posts, the active volunteers of its
    area as candidates (availability = weekly pattern and exceptions, minus shifts they
    hold in other activities), confirmed sign-ups fixed, other sign-ups as preferences."""
    from minzheng.core.scope import division_prefix_of, prefix_q

    shifts = list(
        Shift.objects.filter(post__activity=activity)
        .select_related("post__site")
        .order_by("starts_at", "id")
    )
    if not shifts:
        return solver.Instance(volunteers=[], posts=[]), {}, {}
    day_from = min(rules.local_date(s.starts_at) for s in shifts)
    day_to = max(rules.local_date(s.ends_at) for s in shifts)
    limit = int(_param(rules.MAX_HOURS_PER_DAY, day_from, activity.division_id))
    vols = list(
        Volunteer.objects.filter(
            prefix_q("home_division", division_prefix_of(activity.division_id)), is_active=True
        ).prefetch_related("weekly", "exceptions", "certificates")
    )
    lo = min(s.starts_at for s in shifts)
    hi = max(s.ends_at for s in shifts)
    busy: dict[int, list] = {}
    for s in (
        SignUp.objects.filter(
            status__in=SignUp.HOLDING, shift__starts_at__lt=hi, shift__ends_at__gt=lo
        )
        .exclude(shift__post__activity=activity)
        .select_related("shift")
    ):
        busy.setdefault(s.volunteer_id, []).append((s.shift.starts_at, s.shift.ends_at))
    year_start = timezone.make_aware(dt.datetime(day_from.year, 1, 1))
    prior = dict(
        Attendance.objects.filter(checked_in_at__gte=year_start, signup__volunteer__in=vols)
        .values_list("signup__volunteer")
        .annotate(m=Sum("service_minutes"))
    )
    svols = []
    for v in vols:
        windows = rules.availability_windows(
            weekly=v.weekly.all(), exceptions=v.exceptions.all(), day_from=day_from, day_to=day_to
        )
        windows = rules.subtract(windows, busy.get(v.pk, []))
        svols.append(
            solver.Volunteer(
                id=str(v.pk),
                skills=frozenset(v.skills or []),
                available=tuple((_minute(s), _minute(e)) for s, e in windows),
                home=v.home,
                max_minutes_per_day=limit * 60,
                party_member=v.is_party_member,
                prior_minutes=prior.get(v.pk, 0),
                certificates={
                    c.name: (c.expires_on - dt.date(1970, 1, 1)).days for c in v.certificates.all()
                },
            )
        )
    posts = []
    for s in shifts:
        p = s.post
        posts.append(
            solver.Post(
                id=str(s.pk),
                role=p.role,
                site=p.site.point,
                start=_minute(s.starts_at),
                end=_minute(s.ends_at),
                needed=s.needed,
                skills=frozenset([p.required_skill] if p.required_skill else []),
                certificates=frozenset([p.required_certificate] if p.required_certificate else []),
                party_only=p.party_only,
            )
        )
    fixed, prefs = [], set()
    for su in SignUp.objects.filter(shift__in=shifts, status__in=SignUp.ACTIVE):
        pair = (str(su.volunteer_id), str(su.shift_id))
        (fixed.append(pair) if su.status == SignUp.Status.CONFIRMED else prefs.add(pair))
    tz_offset = int(timezone.localtime(shifts[0].starts_at).utcoffset().total_seconds() // 60)
    instance = solver.Instance(
        volunteers=svols, posts=posts, fixed=fixed, preferences=prefs, tz_offset_minutes=tz_offset
    )
    return instance, {str(s.pk): s for s in shifts}, {str(v.pk): v for v in vols}


def dispatch_solve(*, actor, activity: Activity, time_limit: float = 10.0) -> DispatchPlan:
    """Solve and store a draft plan; confirmed sign-ups stay as fixed assignments."""
    require_perm(actor, "volunteers.dispatch_activity")
    instance, shifts, vols = dispatch_instance(activity)
    if not instance.posts:
        raise ValidationError({"activity": _("该活动还没有班次。")})
    plan = solver.solve(instance, time_limit=time_limit, workers=2, candidates_per_post=40)
    fixed = set(instance.fixed)
    with transaction.atomic():
        DispatchPlan.objects.filter(activity=activity, status=DispatchPlan.Status.DRAFT).update(
            status=DispatchPlan.Status.DISCARDED
        )
        record = DispatchPlan.objects.create(
            activity=activity,
            solver_status=plan.status,
            created_by=actor,
            objective={
                **plan.objective,
                "bound": plan.bound,
                "gap": plan.gap,
                "seconds": round(plan.wall_seconds, 2),
            },
            unfilled=[
                {
                    "shift": int(p),
                    "missing": u["missing"],
                    "reason": u["reason"],
                    "text": str(REASON_TEXT.get(u["reason"], u["reason"])),
                }
                for p, u in plan.unfilled.items()
            ],
        )
        ipost = {p.id: p for p in instance.posts}
        ivol = {v.id: v for v in instance.volunteers}
        PlanAssignment.objects.bulk_create(
            PlanAssignment(
                plan=record,
                shift=shifts[p],
                volunteer=vols[v],
                fixed=(v, p) in fixed,
                travel_km=Decimal(str(round(solver.travel_km(ivol[v], ipost[p]), 2))),
            )
            for v, p in plan.assignments
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=record,
            summary=f"调度求解 {plan.status} 满岗 {plan.objective['filled']}/{plan.objective['needed']}",
        )
    return record


DISPATCH_JOB_KIND = "volunteers.dispatch"


def dispatch_start(*, actor, activity: Activity, time_limit: float = 10.0) -> Job:
    """Start solving a new draft plan in the background (the solver may take up to a
    minute; a request must not wait for it). Refused at once, with nothing written, when the
    activity has no shift. The page polls the returned `Job`; `dispatch_run` stores the plan
    when the solver is done, exactly as `dispatch_solve` does inline."""
    require_perm(actor, "volunteers.dispatch_activity")
    if not Shift.objects.filter(post__activity=activity).exists():
        raise ValidationError({"activity": _("该活动还没有班次。")})
    job = job_create(
        actor=actor,
        kind=DISPATCH_JOB_KIND,
        params={"activity": activity.pk, "time_limit": time_limit},
    )
    enqueue(dispatch_run, job_id=job.pk)
    return job


def dispatch_run(*, job_id: int) -> None:
    """Task (core.tasks): the background half of `dispatch_start`. Safe to run twice: the
    job is claimed with one conditional UPDATE (pending → running), so one run solves."""
    if not Job.objects.filter(pk=job_id, status=Job.Status.PENDING).update(
        status=Job.Status.RUNNING
    ):
        return
    job = Job.objects.select_related("created_by").get(pk=job_id)
    job_progress(job=job, done=0, total=1, stage=_("调度求解"))
    try:
        activity = Activity.objects.get(pk=job.params["activity"])
        plan = dispatch_solve(
            actor=job.created_by, activity=activity, time_limit=job.params["time_limit"]
        )
    except ValidationError as exc:
        job_finish(
            job=job,
            ok=False,
            errors=[{"row": "", "column": "", "message": m} for m in exc.messages],
        )
        return
    except Exception:
        job_finish(
            job=job,
            ok=False,
            errors=[{"row": "", "column": "", "message": _("求解失败，请稍后重试。")}],
        )
        raise
    job_progress(job=job, done=1)
    message = _("已生成调度方案 #%(n)d，满岗 %(f)d/%(t)d，请刷新页面检查后发布。") % {
        "n": plan.pk,
        "f": plan.objective.get("filled", 0),
        "t": plan.objective.get("needed", 0),
    }
    job_finish(job=job, ok=True, result={"plan": plan.pk, "message": message})


def plan_assignment_remove(*, actor, assignment: PlanAssignment) -> None:
    require_perm(actor, "volunteers.dispatch_activity")
    if assignment.plan.status != DispatchPlan.Status.DRAFT:
        raise ValidationError({"plan": _("方案已发布，不能修改。")})
    if assignment.fixed:
        raise ValidationError({"plan": _("已确认的报名不能在方案中移除，请先处理报名。")})
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=audit.Action.DELETE,
            target=assignment.plan,
            summary=f"移除 {assignment.volunteer_id} @ {assignment.shift_id}",
        )
        assignment.delete()


def plan_assignment_add(
    *, actor, plan: DispatchPlan, shift: Shift, volunteer: Volunteer
) -> PlanAssignment:
    """The organiser's edit: the same rules as the solver (requirements, availability not
    re-checked here — the organiser may know better —, overlap and headcount)."""
    require_perm(actor, "volunteers.dispatch_activity")
    errors = {}
    if plan.status != DispatchPlan.Status.DRAFT:
        errors["plan"] = _("方案已发布，不能修改。")
    elif shift.post.activity_id != plan.activity_id:
        errors["shift"] = _("班次不属于该活动。")
    else:
        reason = rules.ineligibility(
            volunteer=volunteer,
            post=shift.post,
            on=rules.local_date(shift.starts_at),
            certificates=list(volunteer.certificates.all()),
        )
        if reason:
            errors["volunteer"] = f"{REASON_TEXT[reason]}。"
        elif plan.assignments.filter(shift=shift).count() >= shift.needed:
            errors["shift"] = _("该班次在方案中已满员。")
        elif any(
            rules.overlaps(a.shift.starts_at, a.shift.ends_at, shift.starts_at, shift.ends_at)
            for a in plan.assignments.filter(volunteer=volunteer).select_related("shift")
        ):
            errors["volunteer"] = _("该志愿者在方案中已有时间重叠的班次。")
    _fail(errors)
    with transaction.atomic():
        a = PlanAssignment.objects.create(plan=plan, shift=shift, volunteer=volunteer)
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=plan,
            summary=f"加入 {volunteer.pk} @ {shift.pk}",
        )
    return a


def plan_publish(*, actor, plan: DispatchPlan) -> DispatchPlan:
    """Turn the plan into confirmed sign-ups (source 派岗) under the sign-up rules, all or
    nothing, and SMS each dispatched volunteer after commit."""
    require_perm(actor, "volunteers.dispatch_activity")
    if plan.status != DispatchPlan.Status.DRAFT:
        raise ValidationError({"plan": _("只有草稿方案可以发布。")})
    with transaction.atomic():
        notified = []
        for a in (
            plan.assignments.filter(fixed=False)
            .select_related("shift__post__site", "shift__post__activity", "volunteer")
            .order_by("volunteer_id")
        ):
            Volunteer.objects.select_for_update().get(pk=a.volunteer_id)
            existing = SignUp.objects.filter(
                volunteer=a.volunteer, shift=a.shift, status__in=SignUp.ACTIVE
            ).first()
            if existing and existing.status == SignUp.Status.CONFIRMED:
                continue
            if existing and existing.status == SignUp.Status.PENDING:
                existing.status = SignUp.Status.CONFIRMED
                existing.save(update_fields=["status", "updated_at"])
            else:
                conflict = _conflicts(a.volunteer, a.shift)
                if conflict:
                    raise ValidationError(
                        {"plan": f"{a.volunteer} {_shift_text(a.shift)}：{conflict['shift']}"}
                    )
                if not _take_place(a.shift_id):
                    raise ValidationError(
                        {
                            "plan": _("%(s)s 名额已满（方案生成后有人报名），请重新求解。")
                            % {"s": _shift_text(a.shift)}
                        }
                    )
                if existing:  # waitlisted → confirmed by dispatch
                    existing.status, existing.source = (
                        SignUp.Status.CONFIRMED,
                        SignUp.Source.DISPATCH,
                    )
                    existing.save(update_fields=["status", "source", "updated_at"])
                else:
                    SignUp.objects.create(
                        volunteer=a.volunteer,
                        shift=a.shift,
                        status=SignUp.Status.CONFIRMED,
                        source=SignUp.Source.DISPATCH,
                    )
            notified.append(
                (
                    a.volunteer_id,
                    _("【志愿服务】您已被安排：%(s)s，请按时到岗签到。")
                    % {"s": _shift_text(a.shift)},
                )
            )
        plan.status, plan.published_at = DispatchPlan.Status.PUBLISHED, timezone.now()
        plan.save(update_fields=["status", "published_at"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=plan,
            summary=f"发布调度方案，通知 {len(notified)} 人",
        )
        for vid, text in notified:
            transaction.on_commit(lambda vid=vid, text=text: _sms_to(vid, text))
    return plan


# ------------------------------------------------------------------ attendance

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


# ------------------------------------------------------------------ certificates


def certificate_issue(
    *,
    actor,
    volunteer: Volunteer,
    period_from: dt.date,
    period_to: dt.date,
    issuer: str,
    on: dt.date | None = None,
) -> ServiceCertificate:
    """志愿服务记录证明 for the service recorded in [period_from, period_to]."""
    from . import selectors

    errors = {}
    if period_to < period_from:
        errors["period_to"] = _("截止日期不能早于起始日期。")
    if not issuer.strip():
        errors["issuer"] = _("请填写出具单位。")
    _fail(errors)
    records = selectors.service_records(
        volunteer=volunteer, period_from=period_from, period_to=period_to
    )
    if not records:
        raise ValidationError({"period_from": _("该期间没有服务记录。")})
    total = sum(r.service_minutes for r in records)
    content = "；".join(
        sorted(
            {f"{r.signup.shift.post.activity.title}（{r.signup.shift.post.role}）" for r in records}
        )
    )
    on = on or timezone.localdate()
    with transaction.atomic():
        seq = (
            ServiceCertificate.objects.select_for_update()
            .filter(number__startswith=f"NHZY{on:%Y}")
            .count()
            + 1
        )
        cert = ServiceCertificate.objects.create(
            number=f"NHZY{on:%Y}{seq:06d}",
            token=secrets.token_urlsafe(18),
            volunteer=volunteer,
            period_from=period_from,
            period_to=period_to,
            total_minutes=total,
            content=content[:2000],
            issuer=issuer.strip(),
            issued_on=on,
            issued_by=actor if getattr(actor, "kind", "") == "staff" else None,
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=cert,
            summary=f"志愿服务记录证明 {cert.number}",
        )
    return cert


# ------------------------------------------------------------------ service in another app's activity


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
