"""Respite sessions: capacity, enrolment under the family's yearly limit, the hours delivered."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.params import parameter_value
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope, scope_queryset
from minzheng.registry.models import HouseholdMember

from .. import rules
from ..models import (
    EnrolmentState,
    RespiteEnrolment,
    RespiteFamilyYear,
    RespiteSession,
    SessionVolunteer,
)
from .activities import _record_volunteer_hours, _volunteers_in_scope
from .common import ENROLMENT, _date_check, _division_check, _fail


def session_create(
    *,
    actor,
    title: str,
    organiser: str,
    place: str,
    division_code: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    capacity: int | None,
    portal_open: bool = True,
) -> RespiteSession:
    require_perm(actor, "welfare.add_respitesession")
    errors: dict = {}
    for name, value, label in (
        ("title", title, _("服务名称")),
        ("organiser", organiser, _("组织单位")),
        ("place", place, _("地点")),
    ):
        if not (value or "").strip():
            errors[name] = _("请填写%(label)s。") % {"label": label}
    _division_check(errors, actor, division_code)
    _date_check(errors, "starts_at", starts_at)
    _date_check(errors, "ends_at", ends_at)
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = _("结束时间必须晚于开始时间。")
    if capacity is None or not 1 <= capacity <= 1000:
        errors["capacity"] = _("可照料人数须为 1 至 1000。")
    _fail(errors)
    with transaction.atomic():
        session = RespiteSession.objects.create(
            title=title.strip(),
            organiser=organiser.strip(),
            place=place.strip(),
            division_id=division_code,
            starts_at=starts_at,
            ends_at=ends_at,
            hours=rules.session_hours(starts_at, ends_at),
            capacity=capacity,
            portal_open=portal_open,
            created_by=actor,
        )
        audit.record(actor=actor, action=audit.Action.CREATE, target=session, summary=session.title)
    return session


def yearly_limit(session: RespiteSession) -> Decimal:
    on = timezone.localtime(session.starts_at).date()
    return Decimal(
        parameter_value(
            "welfare_respite_yearly_hours", on=on, division_code=session.division_id
        ).value
    )


def family_hours(*, household_id: int, year: int) -> Decimal:
    row = RespiteFamilyYear.objects.filter(household_id=household_id, year=year).first()
    return row.hours if row else Decimal("0.0")


def enrolment_create(
    *,
    actor,
    session: RespiteSession,
    household_id: int | None,
    child_id: int | None,
    source: str = RespiteEnrolment.Source.COUNTER,
) -> RespiteEnrolment:
    """Enrol one child of a family into a session. Refused: a delivered session (or, from the
    portal, one that has started or is not open online), a child who is not a current member
    of the family, a child already enrolled, a full session, or hours beyond the family's
    yearly limit (parameter `welfare_respite_yearly_hours`). Staff need the permission and
    the session in their scope; a resident only enrols their own family (the portal view
    passes the resident's household)."""
    resident = getattr(actor, "kind", "") == "resident"
    if not resident:
        require_perm(actor, "welfare.add_respiteenrolment")
        if not code_in_scope(actor, session.division_id):
            raise PermissionDenied
    errors: dict = {}
    if session.delivered:
        errors["session"] = _("该场次已结束服务，不能再报名。")
    elif resident and (not session.portal_open or session.starts_at <= timezone.now()):
        errors["session"] = _("该场次已开始或未开放网上报名。")
    member = None
    if household_id and child_id:
        member = (
            HouseholdMember.objects.filter(
                household_id=household_id, person_id=child_id, left_on__isnull=True
            )
            .select_related("person")
            .first()
        )
    if member is None:
        errors["child"] = _("请选择本家庭的儿童。")
    elif (
        RespiteEnrolment.objects.filter(session=session, child_id=child_id)
        .exclude(state=EnrolmentState.CANCELLED)
        .exists()
    ):
        errors["child"] = _("该儿童已报名本场次。")
    _fail(errors)
    year = timezone.localtime(session.starts_at).year
    limit = yearly_limit(session)
    hours = session.hours
    try:
        with transaction.atomic():
            RespiteFamilyYear.objects.get_or_create(household_id=household_id, year=year)
        with transaction.atomic():
            took = RespiteSession.objects.filter(pk=session.pk, taken__lt=F("capacity")).update(
                taken=F("taken") + 1
            )
            if not took:
                raise ValidationError(
                    {
                        "session": _("该场次已满（%(n)d 名），请选择其他场次。")
                        % {"n": session.capacity}
                    }
                )
            within = RespiteFamilyYear.objects.filter(
                household_id=household_id, year=year, hours__lte=limit - hours
            ).update(hours=F("hours") + hours)
            if not within:
                used = family_hours(household_id=household_id, year=year)
                raise ValidationError(
                    {
                        "child": _(
                            "超过每户每年喘息服务时长上限 %(l)s 小时：本年已报名 %(u)s 小时，本场次 %(h)s 小时。"
                        )
                        % {"l": limit, "u": used, "h": hours}
                    }
                )
            enrolment = RespiteEnrolment.objects.create(
                session=session,
                household_id=household_id,
                child_id=child_id,
                hours=hours,
                year=year,
                source=source,
                created_by=actor,
            )
            workflow.start(workflow=ENROLMENT, obj=enrolment, name="enrol", actor=actor)
            audit.record(
                actor=actor,
                action=audit.Action.CREATE,
                target=enrolment,
                summary=f"喘息服务报名 {session.title}",
            )
    except IntegrityError:
        raise ValidationError({"child": _("该儿童已报名本场次。")}) from None
    session.taken += 1
    return enrolment


def enrolment_cancel(*, actor, enrolment: RespiteEnrolment, reason: str) -> RespiteEnrolment:
    """Cancel an enrolment: frees the place and the family's hours."""
    if getattr(actor, "kind", "") != "resident":
        require_perm(actor, "welfare.change_respiteenrolment")
    if not reason.strip():
        raise ValidationError({"reason": _("请填写取消原因。")})
    with transaction.atomic():
        workflow.move(
            workflow=ENROLMENT, obj=enrolment, name="cancel", actor=actor, reason=reason.strip()
        )
        RespiteSession.objects.filter(pk=enrolment.session_id).update(taken=F("taken") - 1)
        RespiteFamilyYear.objects.filter(
            household_id=enrolment.household_id, year=enrolment.year
        ).update(hours=F("hours") - enrolment.hours)
    return enrolment


def session_deliver(
    *,
    actor,
    session: RespiteSession,
    absent_ids: list[int] = (),
    staff_ids: list[int] = (),
    volunteer_ids: list[int] = (),
) -> RespiteSession:
    """Record that a session took place: the enrolled children attended (those in
    `absent_ids` did not: cancelled, their family's hours freed), the carers, and the
    volunteers, whose hours go to the volunteers app."""
    from minzheng.core.models import User

    require_perm(actor, "welfare.change_respitesession")
    if not code_in_scope(actor, session.division_id):
        raise PermissionDenied
    errors: dict = {}
    if session.delivered:
        errors["session"] = _("该场次已登记服务。")
    if session.ends_at > timezone.now():
        errors["session"] = _("场次结束后才能登记服务情况。")
    staff = list(scope_queryset(User.objects.filter(kind="staff"), actor).filter(pk__in=staff_ids))
    if len(staff) != len(set(staff_ids)):
        errors["staff"] = _("请选择本辖区的工作人员。")
    volunteers, ok = _volunteers_in_scope(actor, list(volunteer_ids))
    if not ok:
        errors["volunteers"] = _("请选择本辖区已登记的志愿者。")
    _fail(errors)
    with transaction.atomic():
        enrolled = list(session.enrolments.filter(state=EnrolmentState.ENROLLED).order_by("id"))
        for enrolment in enrolled:
            if enrolment.pk in set(absent_ids):
                enrolment_cancel(actor=actor, enrolment=enrolment, reason=_("未到场"))
            else:
                workflow.move(workflow=ENROLMENT, obj=enrolment, name="attend", actor=actor)
        session.staff.set(staff)
        if volunteers:
            outside = _record_volunteer_hours(
                actor=actor,
                title=session.title,
                organiser=session.organiser,
                division_code=session.division_id,
                place=session.place,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                volunteers=volunteers,
            )
            session.volunteer_activity_id = outside.pk
            minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
            SessionVolunteer.objects.bulk_create(
                SessionVolunteer(
                    session=session, volunteer_id=v.pk, name=v.person.name, minutes=minutes
                )
                for v in volunteers
            )
        session.delivered = True
        session.save(update_fields=["delivered", "volunteer_activity_id"])
        audit.record(
            actor=actor, action=audit.Action.UPDATE, target=session, summary="登记服务情况"
        )
    return session


def resident_household(resident) -> int | None:
    profile = getattr(resident, "resident_profile", None)
    if profile is None or profile.person_id is None:
        return None
    member = HouseholdMember.objects.filter(
        person_id=profile.person_id, left_on__isnull=True
    ).first()
    return member.household_id if member else None
