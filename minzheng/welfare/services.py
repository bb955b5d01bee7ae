"""Every write of the welfare app. Each service validates everything first and raises one
ValidationError (field → Chinese message), so bad input writes nothing; then it writes in
transaction.atomic().

Locking (respite enrolment): the session's place is taken with one conditional UPDATE
(`taken = taken + 1 WHERE taken < capacity`), then the family's yearly hours with another
(`hours = hours + h WHERE hours + h <= limit`), always in that order and in one
transaction, so two enrolments racing for the last place or the last hours cannot both
succeed, and a refusal of the second undoes the first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.models import Division
from minzheng.core.params import parameter_value
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope, scope_queryset
from minzheng.core.services import attachment_add, upload_errors
from minzheng.core.validators import date_error, name_error, validate_event_date
from minzheng.core.workflow import START, Move, Workflow
from minzheng.registry import pii, validators
from minzheng.registry.models import HouseholdMember, Person

from . import rules
from .models import (
    ActivityBeneficiary,
    ActivityVolunteer,
    AllowanceMonth,
    CareActivity,
    CarePlan,
    Child,
    ChildVisit,
    Employer,
    EmploymentService,
    EnrolmentState,
    EnrolmentTransition,
    FollowUp,
    Guardian,
    JobPlacement,
    JobSeeker,
    Placement,
    Referral,
    ReferralState,
    ReferralTransition,
    RespiteEnrolment,
    RespiteFamilyYear,
    RespiteSession,
    SessionVolunteer,
    Stall,
    TrainingAttendance,
    TrainingCourse,
    Vacancy,
    WelfareHome,
)

PHOTO_TYPES = (".jpg", ".jpeg", ".png")
PHOTO_MAX_BYTES = 5 * 1024 * 1024

ENROLMENT = Workflow(
    key="welfare.respite_enrolment",
    model=RespiteEnrolment,
    log_model=EnrolmentTransition,
    log_subject="enrolment",
    states=EnrolmentState,
    error_field="state",
    moves=(
        Move("enrol", (START,), EnrolmentState.ENROLLED, "报名", "welfare.add_respiteenrolment"),
        Move(
            "attend",
            (EnrolmentState.ENROLLED,),
            EnrolmentState.ATTENDED,
            "已服务",
            "welfare.change_respitesession",
        ),
        Move(
            "cancel",
            (EnrolmentState.ENROLLED,),
            EnrolmentState.CANCELLED,
            "取消",
            "welfare.change_respiteenrolment",
        ),
    ),
)

REFERRAL = Workflow(
    key="welfare.referral",
    model=Referral,
    log_model=ReferralTransition,
    log_subject="referral",
    states=ReferralState,
    error_field="state",
    moves=(
        Move("refer", (START,), ReferralState.REFERRED, "推荐", "welfare.add_referral"),
        Move(
            "hire",
            (ReferralState.REFERRED,),
            ReferralState.HIRED,
            "录用",
            "welfare.change_referral",
        ),
        Move(
            "decline",
            (ReferralState.REFERRED,),
            ReferralState.DECLINED,
            "未录用",
            "welfare.change_referral",
        ),
    ),
)


def _fail(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _date_check(errors: dict, name: str, value, *, required: bool = True) -> None:
    if value is None:
        if required:
            errors[name] = _("请填写日期。")
    elif date_error(validate_event_date, value):
        errors[name] = date_error(validate_event_date, value)


def _division_check(errors: dict, actor, code: str, *, levels=("town", "community")) -> None:
    division = Division.objects.filter(code=code or "").first()
    if division is None or division.level not in levels or not code_in_scope(actor, code):
        errors["division"] = _("请选择本辖区内的镇街或村居。")


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def ensure_defaults() -> None:
    """The app's policy parameters and the allowance programme (idempotent)."""
    from minzheng.core.services import parameters_ensure_defaults
    from minzheng.programs.models import Programme
    from minzheng.programs.setup import ensure_parameters as ensure_engine_parameters

    ensure_engine_parameters()
    parameters_ensure_defaults(rules.PARAMETERS)
    Programme.objects.get_or_create(
        code=rules.PROGRAMME_CODE,
        defaults={
            "name": "孤儿及事实无人抚养儿童基本生活费",
            "kind": Programme.Kind.CASH,
            "applicant_kind": Programme.ApplicantKind.PERSON,
            "rules_key": rules.RULES_KEY,
            "documents_required": [],
            "portal_open": False,
            "order": 70,
            "description": "按月发放，标准按机构养育、社会散居分别设定（政策参数）。",
        },
    )


# ---------------------------------------------------------------- children


def home_create(
    *, actor, name: str, division_code: str, bank_name: str = "", bank_account: str = ""
) -> WelfareHome:
    require_perm(actor, "welfare.add_child")
    errors: dict = {}
    if not name.strip():
        errors["name"] = _("请填写名称。")
    _division_check(errors, actor, division_code, levels=("district", "town", "community"))
    account = bank_account.replace(" ", "")
    if account and not account.isdigit():
        errors["bank_account"] = _("银行账号只能包含数字。")
    _fail(errors)
    with transaction.atomic():
        home = WelfareHome.objects.create(
            name=name.strip(),
            division_id=division_code,
            bank_name=bank_name.strip(),
            bank_account=account,
            bank_account_masked=f"****{account[-4:]}" if account else "",
        )
        audit.record(actor=actor, action=audit.Action.CREATE, target=home, summary=home.name)
    return home


def child_register(
    *,
    actor,
    person: Person | None,
    category: str,
    placement: str,
    division_code: str,
    admitted_on: dt.date | None,
    home: WelfareHome | None = None,
    note: str = "",
) -> Child:
    """A child taken into care: a registry person under 18 on the day, an orphan, a de-facto
    unsupported or a disabled child, in a home (机构养育) or in the community (社会散居)."""
    require_perm(actor, "welfare.add_child")
    errors: dict = {}
    if person is None or person.is_void:
        errors["person"] = _("请先选择已登记的儿童。")
    elif Child.objects.filter(person=person).exists():
        errors["person"] = _("该儿童已建档。")
    elif person.birth_date is None:
        errors["person"] = _("该人员没有出生日期，无法确认是否未满18周岁。")
    elif (
        admitted_on and person.age_on(admitted_on) is not None and person.age_on(admitted_on) >= 18
    ):
        errors["person"] = _("纳入保障时须未满18周岁。")
    if category not in dict(rules.CATEGORIES):
        errors["category"] = _("请选择儿童类别。")
    if placement not in Placement.values:
        errors["placement"] = _("请选择养育方式。")
    elif placement == Placement.INSTITUTION and home is None:
        errors["home"] = _("机构养育须选择福利院。")
    _division_check(errors, actor, division_code)
    _date_check(errors, "admitted_on", admitted_on)
    _fail(errors)
    with transaction.atomic():
        child = Child.objects.create(
            person=person,
            category=category,
            placement=placement,
            home=home if placement == Placement.INSTITUTION else None,
            division_id=division_code,
            admitted_on=admitted_on,
            note=note,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=child,
            summary=f"儿童建档 {child.get_category_display()}",
        )
    return child


def child_file_open(*, actor, child_id: int) -> Child:
    """Read one child's file: 404 without `welfare.read_child_file` or out of scope (the same
    answer as a child that does not exist); every read is written to the operation log."""
    from .selectors import child_detail

    child = child_detail(user=actor, child_id=child_id)
    audit.record(
        actor=actor, action=audit.Action.REVEAL, target=child, summary=f"查看儿童档案 #{child.pk}"
    )
    return child


def child_leave(*, actor, child: Child, left_on: dt.date | None, reason: str) -> Child:
    require_perm(actor, "welfare.change_child")
    errors: dict = {}
    _date_check(errors, "left_on", left_on)
    if left_on and left_on < child.admitted_on:
        errors["left_on"] = _("退出日期不能早于纳入保障日期。")
    if not reason.strip():
        errors["left_reason"] = _("请填写退出原因。")
    if child.left_on:
        errors["left_on"] = _("该儿童已退出保障。")
    _fail(errors)
    with transaction.atomic():
        child.left_on, child.left_reason = left_on, reason.strip()
        child.save(update_fields=["left_on", "left_reason"])
        audit.record(actor=actor, action=audit.Action.UPDATE, target=child, summary="退出保障")
    return child


def guardian_add(
    *,
    actor,
    child: Child,
    name: str,
    relation: str,
    phone: str = "",
    bank_name: str = "",
    bank_account: str = "",
    is_payee: bool = False,
) -> Guardian:
    require_perm(actor, "welfare.add_guardian")
    errors: dict = {}
    name = " ".join(name.split())
    if not name:
        errors["name"] = _("请填写监护人姓名。")
    elif name_error(name):
        errors["name"] = name_error(name)
    if not relation.strip():
        errors["relation"] = _("请填写与儿童关系。")
    if phone:
        try:
            phone = validators.validate_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    account = bank_account.replace(" ", "")
    if account and not account.isdigit():
        errors["bank_account"] = _("银行账号只能包含数字。")
    if is_payee and not account:
        errors["bank_account"] = _("代领生活费须填写银行账号。")
    _fail(errors)
    with transaction.atomic():
        if is_payee:
            child.guardians.filter(is_payee=True).update(is_payee=False)
        guardian = Guardian.objects.create(
            child=child,
            name=name,
            relation=relation.strip(),
            phone=phone,
            phone_masked=validators.mask_phone(phone) if phone else "",
            bank_name=bank_name.strip(),
            bank_account=account,
            bank_account_masked=f"****{account[-4:]}" if account else "",
            is_payee=is_payee,
        )
        audit.record(actor=actor, action=audit.Action.CREATE, target=guardian, summary="监护人")
    return guardian


def care_plan_add(
    *,
    actor,
    child: Child,
    valid_from: dt.date | None,
    goals: str,
    measures: str,
    review_on: dt.date | None,
) -> CarePlan:
    require_perm(actor, "welfare.add_careplan")
    errors: dict = {}
    _date_check(errors, "valid_from", valid_from)
    _date_check(errors, "review_on", review_on)
    if valid_from and review_on and review_on <= valid_from:
        errors["review_on"] = _("复评日期须晚于起始日期。")
    if not goals.strip():
        errors["goals"] = _("请填写照料目标。")
    if not measures.strip():
        errors["measures"] = _("请填写措施。")
    _fail(errors)
    with transaction.atomic():
        plan = CarePlan.objects.create(
            child=child,
            valid_from=valid_from,
            goals=goals.strip(),
            measures=measures.strip(),
            review_on=review_on,
            created_by=actor,
        )
        audit.record(actor=actor, action=audit.Action.CREATE, target=plan, summary="照料计划")
    return plan


def child_visit_add(
    *,
    actor,
    child: Child,
    visited_on: dt.date | None,
    findings: str,
    next_visit_on: dt.date | None = None,
) -> ChildVisit:
    require_perm(actor, "welfare.add_childvisit")
    errors: dict = {}
    _date_check(errors, "visited_on", visited_on)
    if visited_on and visited_on > timezone.localdate():
        errors["visited_on"] = _("探访日期不能晚于今天。")
    if visited_on and visited_on < child.admitted_on:
        errors["visited_on"] = _("探访日期不能早于纳入保障日期。")
    _date_check(errors, "next_visit_on", next_visit_on, required=False)
    if next_visit_on and visited_on and next_visit_on <= visited_on:
        errors["next_visit_on"] = _("下次探访日期须晚于本次。")
    if not findings.strip():
        errors["findings"] = _("请填写探访情况。")
    _fail(errors)
    with transaction.atomic():
        visit = ChildVisit.objects.create(
            child=child,
            visited_on=visited_on,
            visitor=actor,
            findings=findings.strip(),
            next_visit_on=next_visit_on,
        )
        audit.record(actor=actor, action=audit.Action.CREATE, target=visit, summary="定期探访")
    return visit


@dataclass
class AllowanceRun:
    month: dt.date
    granted: list[AllowanceMonth] = field(default_factory=list)
    skipped: list[tuple[Child, str]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((a.amount for a in self.granted), Decimal("0.00"))


def _payee(child: Child) -> tuple[str, str, str, str] | None:
    """(party, name, bank, account) of who receives the child's allowance."""
    if child.placement == Placement.INSTITUTION:
        home = child.home
        if not home.bank_account:
            return None
        return f"welfare_home:{home.pk}", home.name, home.bank_name, home.bank_account
    guardian = child.guardians.filter(is_payee=True).first()
    if guardian is None or not guardian.bank_account:
        return None
    return "", guardian.name, guardian.bank_name, guardian.bank_account


def allowance_grant_month(
    *, actor, month: dt.date, division_code: str | None = None
) -> AllowanceRun:
    """Grant one month's basic living allowance to every child in the actor's scope (or in
    `division_code`) who is in care on the month's first day and not yet granted that month.

    Each child is one application granted on the programmes engine (`application_grant`:
    decision with the parameters used, Dr BUDGET / Cr PAYABLE in the ledger); the bank
    transfer is a disbursement batch of the programme. A child without a payee account, or
    refused by the engine (e.g. budget not funded), is skipped with the reason; the others
    are granted. Running a month twice grants nothing new."""
    from minzheng.programs.services import ApplicationInput, application_grant

    require_perm(actor, "welfare.grant_allowance")
    first = rules.month_start(month)
    if date_error(validate_event_date, first):
        raise ValidationError({"month": date_error(validate_event_date, first)})
    if first > rules.month_start(timezone.localdate()):
        raise ValidationError({"month": _("不能发放未来月份的生活费。")})
    if division_code and not code_in_scope(actor, division_code):
        raise ValidationError({"division": _("请选择本辖区内的区划。")})
    ensure_defaults()
    children = scope_queryset(Child.objects.all(), actor).filter(admitted_on__lte=first)
    if division_code:
        from minzheng.core.scope import division_prefix_of, prefix_q

        children = children.filter(prefix_q("division", division_prefix_of(division_code)))
    children = (
        children.exclude(left_on__lte=first)
        .exclude(allowances__month=first)
        .select_related("person", "home")
        .order_by("id")
    )
    run = AllowanceRun(month=first)
    label = f"{first:%Y-%m}"
    for child in children:
        payee = _payee(child)
        if payee is None:
            run.skipped.append((child, _("没有收款账户（福利院或代领监护人）")))
            continue
        party, payee_name, bank, account = payee
        try:
            with transaction.atomic():
                application = application_grant(
                    actor=actor,
                    permission="welfare.grant_allowance",
                    on=first,
                    reason=_("儿童基本生活费 %(m)s") % {"m": label},
                    data=ApplicationInput(
                        programme_code=rules.PROGRAMME_CODE,
                        division_code=child.division_id,
                        applicant_name=child.person.name,
                        applicant_id_number=child.person.id_number,
                        person_id=child.person_id,
                        facts={
                            "category": child.category,
                            "placement": child.placement,
                            "month": label,
                        },
                        payee_party=party,
                        payee_name=payee_name,
                        bank_name=bank,
                        bank_account=account,
                        idempotency_key=f"welfare.allowance:{child.pk}:{label}",
                    ),
                )
                row = AllowanceMonth.objects.create(
                    child=child, month=first, application=application, amount=application.amount
                )
        except ValidationError as exc:
            run.skipped.append((child, "；".join(exc.messages)))
            continue
        run.granted.append(row)
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        summary=f"儿童基本生活费 {label}：{len(run.granted)} 人 {run.total} 元",
        target_type="welfare.allowancemonth",
    )
    return run


# ---------------------------------------------------------------- volunteers (through their services)


def _volunteers_in_scope(actor, ids: list[int]):
    from minzheng.volunteers.selectors import volunteer_list

    wanted = sorted(set(ids))
    found = list(volunteer_list(user=actor).filter(pk__in=wanted)) if wanted else []
    return found, len(found) == len(wanted)


def _record_volunteer_hours(
    *, actor, title, organiser, division_code, place, starts_at, ends_at, volunteers
):
    from minzheng.volunteers.services import outside_service_record

    return outside_service_record(
        actor=actor,
        title=title,
        organiser=organiser,
        division_code=division_code,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        volunteer_ids=[v.pk for v in volunteers],
    )


# ---------------------------------------------------------------- care activities


@dataclass
class ActivityInput:
    kind: str
    title: str
    organiser: str
    place: str
    division_code: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    staff_ids: list[int] = field(default_factory=list)
    volunteer_ids: list[int] = field(default_factory=list)
    beneficiary_ids: list[int] = field(default_factory=list)
    beneficiary_count: int = 0
    report: str = ""


def activity_create(*, actor, data: ActivityInput, photos=()) -> CareActivity:
    """Record a care activity that took place, with the staff, the volunteers (their hours
    are recorded in the volunteers app), the beneficiaries (registry persons, or a count
    where names are not recorded), photos and a short report."""
    from minzheng.core.models import User

    require_perm(actor, "welfare.add_careactivity")
    errors: dict = {}
    if data.kind not in CareActivity.Kind.values:
        errors["kind"] = _("请选择活动类型。")
    for name, label in (
        ("title", _("活动名称")),
        ("organiser", _("组织单位")),
        ("place", _("地点")),
    ):
        if not (getattr(data, name) or "").strip():
            errors[name] = _("请填写%(label)s。") % {"label": label}
    _division_check(errors, actor, data.division_code)
    _date_check(errors, "starts_at", data.starts_at)
    _date_check(errors, "ends_at", data.ends_at)
    if data.starts_at and data.ends_at and data.ends_at <= data.starts_at:
        errors["ends_at"] = _("结束时间必须晚于开始时间。")
    if data.ends_at and data.ends_at > timezone.now():
        errors["ends_at"] = _("请在活动结束后登记（结束时间不能晚于现在）。")
    if data.beneficiary_count < 0 or data.beneficiary_count > 100_000:
        errors["beneficiary_count"] = _("人数须为 0 至 100000。")
    staff = list(
        scope_queryset(User.objects.filter(kind="staff"), actor).filter(pk__in=data.staff_ids)
    )
    if len(staff) != len(set(data.staff_ids)):
        errors["staff"] = _("请选择本辖区的工作人员。")
    volunteers, ok = _volunteers_in_scope(actor, data.volunteer_ids)
    if not ok:
        errors["volunteers"] = _("请选择本辖区已登记的志愿者。")
    people = list(
        scope_queryset(Person.objects.filter(is_void=False), actor).filter(
            pk__in=data.beneficiary_ids
        )
    )
    if len(people) != len(set(data.beneficiary_ids)):
        errors["beneficiaries"] = _("请选择本辖区已登记的服务对象。")
    if not people and not data.beneficiary_count:
        errors["beneficiary_count"] = _("请登记服务对象或填写服务对象人数。")
    for photo in photos:
        errors.update(
            upload_errors(photo, field="photos", allowed=PHOTO_TYPES, max_bytes=PHOTO_MAX_BYTES)
        )
    _fail(errors)
    with transaction.atomic():
        activity = CareActivity.objects.create(
            kind=data.kind,
            title=data.title.strip(),
            organiser=data.organiser.strip(),
            place=data.place.strip(),
            division_id=data.division_code,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            beneficiary_count=data.beneficiary_count,
            report=data.report.strip(),
            created_by=actor,
        )
        activity.staff.set(staff)
        ActivityBeneficiary.objects.bulk_create(
            ActivityBeneficiary(activity=activity, person=p) for p in people
        )
        if volunteers:
            outside = _record_volunteer_hours(
                actor=actor,
                title=activity.title,
                organiser=activity.organiser,
                division_code=activity.division_id,
                place=activity.place,
                starts_at=activity.starts_at,
                ends_at=activity.ends_at,
                volunteers=volunteers,
            )
            minutes = int((activity.ends_at - activity.starts_at).total_seconds() // 60)
            activity.volunteer_activity_id = outside.pk
            activity.save(update_fields=["volunteer_activity_id"])
            ActivityVolunteer.objects.bulk_create(
                ActivityVolunteer(
                    activity=activity, volunteer_id=v.pk, name=v.person.name, minutes=minutes
                )
                for v in volunteers
            )
        for photo in photos:
            attachment_add(
                actor=actor,
                owner=activity,
                upload=photo,
                kind="photo",
                allowed=PHOTO_TYPES,
                max_bytes=PHOTO_MAX_BYTES,
            )
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=activity, summary=activity.title
        )
    return activity


# ---------------------------------------------------------------- respite care


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


# ---------------------------------------------------------------- disability employment


def stall_create(
    *, actor, title: str, place: str, division_code: str, held_on: dt.date | None
) -> Stall:
    require_perm(actor, "welfare.add_stall")
    errors: dict = {}
    if not title.strip():
        errors["title"] = _("请填写名称。")
    if not place.strip():
        errors["place"] = _("请填写地点。")
    _division_check(errors, actor, division_code, levels=("district", "town", "community"))
    _date_check(errors, "held_on", held_on)
    _fail(errors)
    with transaction.atomic():
        stall = Stall.objects.create(
            title=title.strip(), place=place.strip(), division_id=division_code, held_on=held_on
        )
        audit.record(actor=actor, action=audit.Action.CREATE, target=stall, summary=stall.title)
    return stall


@dataclass
class ServiceInput:
    kind: str
    channel: str = EmploymentService.Channel.STALL
    stall_id: int | None = None
    division_code: str = ""
    served_on: dt.date | None = None
    id_number: str = ""
    name: str = ""
    phone: str = ""
    note: str = ""


def employment_service_record(*, actor, data: ServiceInput) -> EmploymentService:
    """A quick entry at a stall or the counter: policy consultation, job-seeker registration
    or training registration, with or without an identified person. An ID number, when
    given, must be valid (refused otherwise, nothing written); it identifies the person by
    its keyed hash (and the registry person, when registered). Only the hash and the masked
    number are kept. A job-seeker registration of a registry person also opens their
    job-seeker profile."""
    from minzheng.registry.selectors import person_by_id_number

    require_perm(actor, "welfare.add_employmentservice")
    errors: dict = {}
    if data.kind not in EmploymentService.Kind.values:
        errors["kind"] = _("请选择服务类型。")
    if data.channel not in EmploymentService.Channel.values:
        errors["channel"] = _("请选择服务渠道。")
    stall = None
    division_code = data.division_code
    if data.channel == EmploymentService.Channel.STALL:
        stall = scope_queryset(Stall.objects.all(), actor).filter(pk=data.stall_id).first()
        if stall is None:
            errors["stall"] = _("请选择服务摊位。")
        else:
            division_code = stall.division_id
    if "stall" not in errors:
        division = Division.objects.filter(code=division_code or "").first()
        if division is None or not code_in_scope(actor, division_code):
            errors["division"] = _("请选择本辖区内的区划。")
    served_on = data.served_on or (stall.held_on if stall else timezone.localdate())
    _date_check(errors, "served_on", served_on)
    if served_on and served_on > timezone.localdate():
        errors["served_on"] = _("服务日期不能晚于今天。")
    number = id_hash = masked = ""
    if (data.id_number or "").strip():
        try:
            number = validators.parse_id_number(data.id_number).number
            id_hash = pii.blind_index(number, kind="id")
            masked = validators.mask_id_number(number)
        except ValidationError as exc:
            errors["id_number"] = exc.messages[0]
    name = " ".join((data.name or "").split())
    if name_error(name):
        errors["name"] = name_error(name)
    phone = ""
    if (data.phone or "").strip():
        try:
            phone = validators.validate_mobile(data.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    _fail(errors)
    person = person_by_id_number(number) if number else None
    with transaction.atomic():
        service = EmploymentService.objects.create(
            kind=data.kind,
            channel=data.channel,
            stall=stall,
            division_id=division_code,
            served_on=served_on,
            person=person,
            name=name or (person.name if person else ""),
            id_number_hash=id_hash,
            id_number_masked=masked,
            phone=phone,
            phone_masked=validators.mask_phone(phone) if phone else "",
            note=(data.note or "").strip()[:200],
            recorded_by=actor,
        )
        if (
            person is not None
            and data.kind == EmploymentService.Kind.JOBSEEKER
            and not JobSeeker.objects.filter(person=person).exists()
        ):
            JobSeeker.objects.create(
                person=person, division_id=person.residence_division_id, registered_on=served_on
            )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=service,
            summary=f"{service.get_kind_display()}（{service.get_channel_display()}）",
        )
    return service


def jobseeker_register(
    *,
    actor,
    person: Person | None,
    skills: list[str] = (),
    wishes: str = "",
    restrictions: str = "",
    registered_on: dt.date | None = None,
) -> JobSeeker:
    require_perm(actor, "welfare.add_jobseeker")
    errors: dict = {}
    if person is None or person.is_void:
        errors["person"] = _("请选择已登记的人员。")
    elif not code_in_scope(actor, person.residence_division_id):
        errors["person"] = _("该人员不在您的管辖范围内。")
    elif JobSeeker.objects.filter(person=person).exists():
        errors["person"] = _("该人员已登记求职。")
    registered_on = registered_on or timezone.localdate()
    _date_check(errors, "registered_on", registered_on)
    _fail(errors)
    with transaction.atomic():
        seeker = JobSeeker.objects.create(
            person=person,
            division_id=person.residence_division_id,
            skills=[s.strip() for s in skills if s.strip()],
            wishes=wishes.strip(),
            restrictions=restrictions.strip(),
            registered_on=registered_on,
        )
        audit.record(actor=actor, action=audit.Action.CREATE, target=seeker, summary="求职登记")
    return seeker


def jobseeker_update(
    *, actor, jobseeker: JobSeeker, skills: list[str], wishes: str, restrictions: str
) -> JobSeeker:
    require_perm(actor, "welfare.change_jobseeker")
    with transaction.atomic():
        jobseeker.skills = [s.strip() for s in skills if s.strip()]
        jobseeker.wishes, jobseeker.restrictions = wishes.strip(), restrictions.strip()
        jobseeker.save(update_fields=["skills", "wishes", "restrictions"])
        audit.record(actor=actor, action=audit.Action.UPDATE, target=jobseeker, summary="求职档案")
    return jobseeker


def employer_add(
    *,
    actor,
    name: str,
    division_code: str,
    credit_code: str = "",
    contact_name: str = "",
    staff_count: int | None = None,
) -> Employer:
    require_perm(actor, "welfare.add_employer")
    errors: dict = {}
    if not name.strip():
        errors["name"] = _("请填写用人单位名称。")
    _division_check(errors, actor, division_code)
    if credit_code:
        try:
            credit_code = validators.validate_uscc(credit_code)
        except ValidationError as exc:
            errors["credit_code"] = exc.messages[0]
    if name_error(contact_name):
        errors["contact_name"] = name_error(contact_name)
    _fail(errors)
    with transaction.atomic():
        employer = Employer.objects.create(
            name=name.strip(),
            division_id=division_code,
            credit_code=credit_code,
            contact_name=contact_name.strip(),
            staff_count=staff_count,
        )
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=employer, summary=employer.name
        )
    return employer


def vacancy_add(
    *,
    actor,
    employer: Employer,
    title: str,
    positions: int = 1,
    skills: list[str] = (),
    suitable_categories: list[str] = (),
    accommodation: str = "",
    posted_on: dt.date | None = None,
) -> Vacancy:
    from minzheng.registry.models import PersonTag

    require_perm(actor, "welfare.add_vacancy")
    errors: dict = {}
    if not title.strip():
        errors["title"] = _("请填写岗位名称。")
    if not 1 <= (positions or 0) <= 10_000:
        errors["positions"] = _("招聘人数须为 1 至 10000。")
    unknown = [c for c in suitable_categories if c not in PersonTag.DisabilityCategory.values]
    if unknown:
        errors["suitable_categories"] = _("未知的残疾类别。")
    posted_on = posted_on or timezone.localdate()
    _date_check(errors, "posted_on", posted_on)
    _fail(errors)
    with transaction.atomic():
        vacancy = Vacancy.objects.create(
            employer=employer,
            title=title.strip(),
            positions=positions,
            skills=[s.strip() for s in skills if s.strip()],
            suitable_categories=list(suitable_categories),
            accommodation=accommodation.strip(),
            posted_on=posted_on,
        )
        audit.record(actor=actor, action=audit.Action.CREATE, target=vacancy, summary=str(vacancy))
    return vacancy


def referral_create(
    *, actor, jobseeker: JobSeeker, vacancy: Vacancy, on: dt.date | None = None
) -> Referral:
    require_perm(actor, "welfare.add_referral")
    on = on or timezone.localdate()
    errors: dict = {}
    if not vacancy.is_open:
        errors["vacancy"] = _("该岗位已停止招聘。")
    if Referral.objects.filter(jobseeker=jobseeker, vacancy=vacancy).exists():
        errors["vacancy"] = _("已向该岗位推荐过此求职者。")
    _date_check(errors, "referred_on", on)
    _fail(errors)
    with transaction.atomic():
        referral = Referral.objects.create(jobseeker=jobseeker, vacancy=vacancy, referred_on=on)
        workflow.start(workflow=REFERRAL, obj=referral, name="refer", actor=actor)
        audit.record(actor=actor, action=audit.Action.CREATE, target=referral, summary="岗位推荐")
    return referral


def referral_decline(*, actor, referral: Referral, reason: str) -> Referral:
    require_perm(actor, "welfare.change_referral")
    if not reason.strip():
        raise ValidationError({"reason": _("请填写原因。")})
    with transaction.atomic():
        workflow.move(workflow=REFERRAL, obj=referral, name="decline", actor=actor, reason=reason)
    return referral


def placement_record(
    *,
    actor,
    jobseeker: JobSeeker | None,
    employer: Employer | None,
    job_title: str,
    started_on: dt.date | None,
    vacancy: Vacancy | None = None,
    referral: Referral | None = None,
    accommodation: str = "",
) -> JobPlacement:
    """A job-seeker placed in a job; a referral it came from moves to 已录用."""
    require_perm(actor, "welfare.add_jobplacement")
    errors: dict = {}
    if jobseeker is None:
        errors["jobseeker"] = _("请选择求职者：没有求职者不能登记就业安置。")
    elif not code_in_scope(actor, jobseeker.division_id):
        errors["jobseeker"] = _("该求职者不在您的管辖范围内。")
    if employer is None:
        errors["employer"] = _("请选择用人单位。")
    if not (job_title or "").strip():
        errors["job_title"] = _("请填写岗位。")
    _date_check(errors, "started_on", started_on)
    if started_on and started_on > timezone.localdate():
        errors["started_on"] = _("上岗日期不能晚于今天。")
    if referral is not None and (jobseeker is None or referral.jobseeker_id != jobseeker.pk):
        errors["referral"] = _("推荐记录与求职者不符。")
    _fail(errors)
    with transaction.atomic():
        placement = JobPlacement.objects.create(
            jobseeker=jobseeker,
            employer=employer,
            vacancy=vacancy or (referral.vacancy if referral else None),
            referral=referral,
            job_title=job_title.strip(),
            started_on=started_on,
            accommodation=accommodation.strip()
            or (vacancy.accommodation if vacancy else "")
            or (referral.vacancy.accommodation if referral else ""),
            recorded_by=actor,
        )
        if referral is not None:
            workflow.move(workflow=REFERRAL, obj=referral, name="hire", actor=actor)
        audit.record(actor=actor, action=audit.Action.CREATE, target=placement, summary="就业安置")
    return placement


def followup_record(
    *,
    actor,
    placement: JobPlacement,
    months: int,
    done_on: dt.date | None,
    still_employed: bool,
    note: str = "",
) -> FollowUp:
    """The 3- or 6-month follow-up of a placement; never dated before the placement began."""
    require_perm(actor, "welfare.add_followup")
    errors: dict = {}
    if months not in (3, 6):
        errors["months"] = _("回访节点为上岗后 3 个月或 6 个月。")
    _date_check(errors, "done_on", done_on)
    if done_on and done_on < placement.started_on:
        errors["done_on"] = _("回访日期不能早于上岗日期（%(d)s）。") % {
            "d": _cn_date(placement.started_on)
        }
    if done_on and done_on > timezone.localdate():
        errors["done_on"] = _("回访日期不能晚于今天。")
    if FollowUp.objects.filter(placement=placement, months=months).exists():
        errors["months"] = _("该节点已回访。")
    _fail(errors)
    with transaction.atomic():
        followup = FollowUp.objects.create(
            placement=placement,
            months=months,
            done_on=done_on,
            still_employed=still_employed,
            note=note.strip(),
            recorded_by=actor,
        )
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=followup, summary=f"{months}个月回访"
        )
    return followup


def course_add(
    *,
    actor,
    title: str,
    provider: str,
    division_code: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
) -> TrainingCourse:
    require_perm(actor, "welfare.add_trainingcourse")
    errors: dict = {}
    if not title.strip():
        errors["title"] = _("请填写课程名称。")
    if not provider.strip():
        errors["provider"] = _("请填写培训机构。")
    _division_check(errors, actor, division_code, levels=("district", "town", "community"))
    _date_check(errors, "starts_on", starts_on)
    _date_check(errors, "ends_on", ends_on)
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("结业日期不能早于开课日期。")
    _fail(errors)
    with transaction.atomic():
        course = TrainingCourse.objects.create(
            title=title.strip(),
            provider=provider.strip(),
            division_id=division_code,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        audit.record(actor=actor, action=audit.Action.CREATE, target=course, summary=course.title)
    return course


def training_attendance_record(
    *, actor, course: TrainingCourse, jobseeker: JobSeeker, day: dt.date | None, present: bool
) -> TrainingAttendance:
    require_perm(actor, "welfare.add_trainingattendance")
    errors: dict = {}
    _date_check(errors, "day", day)
    if day and not course.starts_on <= day <= course.ends_on:
        errors["day"] = _("日期不在课程期间（%(a)s 至 %(b)s）。") % {
            "a": _cn_date(course.starts_on),
            "b": _cn_date(course.ends_on),
        }
    if TrainingAttendance.objects.filter(course=course, jobseeker=jobseeker, day=day).exists():
        errors["day"] = _("当天考勤已登记。")
    _fail(errors)
    with transaction.atomic():
        row = TrainingAttendance.objects.create(
            course=course, jobseeker=jobseeker, day=day, present=present, recorded_by=actor
        )
    return row
