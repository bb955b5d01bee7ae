"""Disability employment services: stall entries, job-seekers, employers and vacancies,
matching, placements and follow-ups, training.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.models import Division
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope, scope_queryset
from minzheng.core.validators import name_error
from minzheng.registry import pii, validators
from minzheng.registry.models import Person

from ..models import (
    Employer,
    EmploymentService,
    FollowUp,
    JobPlacement,
    JobSeeker,
    Referral,
    Stall,
    TrainingAttendance,
    TrainingCourse,
    Vacancy,
)
from .common import REFERRAL, _cn_date, _date_check, _division_check, _fail


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
