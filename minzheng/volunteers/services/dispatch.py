"""Dispatch: the solver's instance built from the records, the solver run as a background
job with progress, manual corrections of a plan and its publication.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.models import Job
from minzheng.core.permissions import require_perm
from minzheng.core.services import job_create, job_finish, job_progress
from minzheng.core.tasks import enqueue

from .. import rules, solver
from ..models import (
    Activity,
    Attendance,
    DispatchPlan,
    PlanAssignment,
    Shift,
    SignUp,
    Volunteer,
)
from .common import REASON_TEXT, _fail, _param
from .signups import _conflicts, _shift_text, _sms_to, _take_place


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
