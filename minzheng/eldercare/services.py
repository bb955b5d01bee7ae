"""Writes of elderly care: institutions and their staff, admissions, discharges, absences
and assessments, the monthly operating-subsidy run (on the programmes engine, paid through
the ledger), happiness houses with their reports, ratings and subsidy, and inspections of
every civil-affairs service institution.

Every service validates first and raises one ValidationError({field: message}), so bad
input writes nothing; writes happen inside transaction.atomic().
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.district import district_code
from minzheng.core.models import Division
from minzheng.core.params import ParameterMissing
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.core.services import attachment_add, upload_errors
from minzheng.core.validators import date_error, name_error, validate_event_date
from minzheng.programs import postings
from minzheng.programs.rules import ParamSource, money
from minzheng.programs.services import (
    ApplicationInput,
    application_grant,
    disbursement_batch_create,
    disbursement_return_import,
)
from minzheng.registry import validators
from minzheng.registry.models import Organisation, Person
from minzheng.registry.services import organisation_register

from . import rules, selectors
from .models import (
    Absence,
    Assessment,
    ChecklistItem,
    Claim,
    ClaimLine,
    ClaimRun,
    Finding,
    FindingState,
    FollowUp,
    House,
    HouseRating,
    HouseReport,
    HouseService,
    Inspection,
    InspectionType,
    Institution,
    InstitutionStaff,
    PlaceKind,
    Residency,
    ServiceRequest,
)
from .workflows import FINDING

PHOTO_TYPES = (".jpg", ".jpeg", ".png")


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def _mask_account(account: str) -> str:
    digits = (account or "").replace(" ", "")
    return ("*" * max(len(digits) - 4, 0) + digits[-4:]) if digits else ""


def _check_institution(actor, institution: Institution, perm: str) -> None:
    """The actor may act on this institution: permission, scope, and own institution."""
    require_perm(actor, perm)
    own = selectors.institution_of(actor)
    if not code_in_scope(actor, institution.division_id) or (
        own is not None and own.pk != institution.pk
    ):
        raise PermissionDenied(_("该养老机构不在您的管辖范围内。"))


def _date(errors: dict, key: str, value, *, required: bool = True) -> None:
    if value is None:
        if required:
            errors[key] = _("请填写日期。")
        return
    problem = date_error(validate_event_date, value)
    if problem:
        errors[key] = problem


# ---------------------------------------------------------------- institutions


@dataclass
class InstitutionInput:
    name: str
    division_code: str
    ownership: str
    beds_total: int
    beds_nursing: int = 0
    credit_code: str = ""
    filing_number: str = ""
    filed_on: dt.date | None = None
    address: str = ""
    star_grade: int | None = None
    grade_assessed_on: dt.date | None = None
    grade_body: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    services: str = ""
    bank_name: str = ""
    bank_account: str = ""
    is_illustrative: bool = False


def _bed_errors(beds_total, beds_nursing) -> dict:
    errors = {}
    if not isinstance(beds_total, int) or not 0 < beds_total <= 10000:
        errors["beds_total"] = _("床位总数须为 1 至 10000 之间的整数。")
    elif not isinstance(beds_nursing, int) or not 0 <= beds_nursing <= beds_total:
        errors["beds_nursing"] = _("护理型床位不能超过床位总数。")
    return errors


def _grade_errors(star_grade, assessed_on, body) -> dict:
    errors = {}
    if star_grade is None:
        return errors
    if not isinstance(star_grade, int) or not 1 <= star_grade <= 5:
        errors["star_grade"] = _("等级须为一级至五级。")
    if assessed_on is None:
        errors["grade_assessed_on"] = _("请填写等级评定日期。")
    else:
        _date(errors, "grade_assessed_on", assessed_on)
    if not (body or "").strip():
        errors["grade_body"] = _("请填写评定机构。")
    return errors


def institution_register(*, actor, data: InstitutionInput) -> Institution:
    """Register an institution: a registry organisation (the ledger party) and its filing,
    beds and grade. A private institution needs a credit code and a bank account, because
    its subsidies are paid to it."""
    require_perm(actor, "eldercare.add_institution")
    errors = _bed_errors(data.beds_total, data.beds_nursing)
    errors |= _grade_errors(data.star_grade, data.grade_assessed_on, data.grade_body)
    if data.ownership not in Institution.Ownership.values:
        errors["ownership"] = _("请选择公办或民办。")
    division = Division.objects.filter(code=data.division_code).first()
    if division is None or division.level not in ("town", "community"):
        errors["division"] = _("请选择机构所在的镇街或村居。")
    if data.filed_on is not None:
        _date(errors, "filed_on", data.filed_on)
    account = (data.bank_account or "").replace(" ", "")
    if data.ownership == Institution.Ownership.PRIVATE:
        if not data.credit_code:
            errors["credit_code"] = _("民办养老机构须填写统一社会信用代码（补贴拨付对象）。")
        if not account:
            errors["bank_account"] = _("民办养老机构须填写收款银行账号。")
    if account and not account.isdigit():
        errors["bank_account"] = _("银行账号只能包含数字。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        org = organisation_register(
            actor=actor,
            name=data.name,
            kind=Organisation.Kind.PRIVATE_NON_ENTERPRISE
            if data.ownership == Institution.Ownership.PRIVATE
            else Organisation.Kind.PUBLIC_INSTITUTION,
            division_code=data.division_code,
            credit_code=data.credit_code,
            address=data.address,
            contact_name=data.contact_name,
            contact_phone=data.contact_phone,
        )
        institution = Institution.objects.create(
            organisation=org,
            name=org.name,
            division=division,
            ownership=data.ownership,
            filing_number=data.filing_number.strip(),
            filed_on=data.filed_on,
            address=data.address,
            beds_total=data.beds_total,
            beds_nursing=data.beds_nursing,
            star_grade=data.star_grade,
            grade_assessed_on=data.grade_assessed_on if data.star_grade else None,
            grade_body=data.grade_body.strip() if data.star_grade else "",
            contact_name=data.contact_name,
            contact_phone_masked=org.contact_phone_masked,
            services=data.services,
            bank_name=data.bank_name,
            bank_account=account,
            bank_account_masked=_mask_account(account),
            is_illustrative=data.is_illustrative,
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=institution,
            summary=f"登记养老机构 {institution.name}",
        )
    return institution


def institution_beds_update(
    *, actor, institution: Institution, beds_total: int, beds_nursing: int
) -> Institution:
    """Change the bed count; never below the beds occupied now."""
    _check_institution(actor, institution, "eldercare.change_institution")
    errors = _bed_errors(beds_total, beds_nursing)
    with transaction.atomic():
        institution = Institution.objects.select_for_update().get(pk=institution.pk)
        occupied = selectors.occupied_beds(institution)
        if not errors and beds_total < occupied:
            errors["beds_total"] = _("床位总数 %(b)d 张少于在住老人 %(o)d 人。") % {
                "b": beds_total,
                "o": occupied,
            }
        if errors:
            raise ValidationError(errors)
        institution.beds_total, institution.beds_nursing = beds_total, beds_nursing
        institution.save(update_fields=["beds_total", "beds_nursing"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=institution,
            summary=f"{institution.name} 床位 {beds_total}（护理型 {beds_nursing}）",
        )
    return institution


def institution_grade_set(
    *, actor, institution: Institution, star_grade: int, assessed_on: dt.date, body: str
) -> Institution:
    _check_institution(actor, institution, "eldercare.change_institution")
    errors = _grade_errors(star_grade, assessed_on, body)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        institution.star_grade, institution.grade_assessed_on, institution.grade_body = (
            star_grade,
            assessed_on,
            body.strip(),
        )
        institution.save(update_fields=["star_grade", "grade_assessed_on", "grade_body"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=institution,
            summary=f"{institution.name} 评定为 {star_grade} 级（{body.strip()}）",
        )
    return institution


def institution_staff_link(*, actor, institution: Institution, user) -> InstitutionStaff:
    """Make `user` a staff member of `institution` (they will see that institution only)."""
    _check_institution(actor, institution, "eldercare.change_institution")
    with transaction.atomic():
        link, _created = InstitutionStaff.objects.update_or_create(
            user=user, defaults={"institution": institution}
        )
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=institution,
            summary=f"{user} 为 {institution.name} 工作人员",
        )
    return link


# ---------------------------------------------------------------- residents


def assessment_record(
    *,
    actor,
    person: Person,
    level: int,
    assessed_on: dt.date,
    body: str = "",
    division_code: str | None = None,
) -> Assessment:
    """One ability assessment (GB/T 42195, level 0–4)."""
    require_perm(actor, "eldercare.add_assessment")
    errors: dict = {}
    if not isinstance(level, int) or not 0 <= level <= 4:
        errors["level"] = _("能力等级须为 0（能力完好）至 4（完全失能）。")
    _date(errors, "assessed_on", assessed_on)
    division_code = division_code or person.residence_division_id
    if not code_in_scope(actor, division_code):
        errors["person"] = _("该老人不在您的管辖范围内。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            person=person,
            division_id=division_code,
            level=level,
            assessed_on=assessed_on,
            body=body.strip()[:100],
            recorded_by=actor,
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=assessment,
            summary=f"能力评估 {person.name} {level} 级",
        )
    return assessment


@dataclass
class AdmissionInput:
    institution_id: int
    person_id: int
    admitted_on: dt.date | None
    level: int | None
    assessed_on: dt.date | None
    bed_type: str = Residency.BedType.GENERAL
    assessment_body: str = ""


def _living_elsewhere(person_id: int, admitted_on: dt.date) -> Residency | None:
    """A stay of the elder that is open or that covers the admission day."""
    return (
        Residency.objects.filter(person_id=person_id)
        .filter(Q(discharged_on__isnull=True) | Q(discharged_on__gt=admitted_on))
        .filter(admitted_on__lte=admitted_on)
        .select_related("institution")
        .first()
        or Residency.objects.filter(person_id=person_id, admitted_on__gt=admitted_on)
        .select_related("institution")
        .first()
    )


def admission_create(*, actor, data: AdmissionInput) -> Residency:
    """Admit an elder (a registry person) with their ability assessment.

    Refused: an elder living elsewhere (checked here and backed by the partial unique index
    on open stays, so two institutions admitting the same elder at once cannot both
    succeed), a full institution (the institution row is locked while its beds are
    counted), a date outside the sane range or after the elder's death."""
    institution = Institution.objects.filter(pk=data.institution_id).first()
    if institution is None:
        raise ValidationError({"institution": _("请选择养老机构。")})
    _check_institution(actor, institution, "eldercare.add_residency")
    errors: dict = {}
    person = Person.objects.filter(pk=data.person_id, is_void=False).first()
    if person is None:
        errors["person"] = _("请选择已登记的老人。")
    _date(errors, "admitted_on", data.admitted_on)
    if data.level is None or not isinstance(data.level, int) or not 0 <= data.level <= 4:
        errors["level"] = _("请填写入住时的能力评估等级（0 能力完好至 4 完全失能）。")
    _date(errors, "assessed_on", data.assessed_on)
    if data.bed_type not in Residency.BedType.values:
        errors["bed_type"] = _("请选择床位类型。")
    if not errors and person.deceased_date and person.deceased_date <= data.admitted_on:
        errors["person"] = _("该老人已登记死亡，不能办理入住。")
    if not errors:
        other = _living_elsewhere(person.pk, data.admitted_on)
        if other is not None:
            errors["person"] = _(
                "该老人 %(since)s 起在“%(inst)s”入住，尚未退住，不能同时入住两家机构。"
            ) % {"since": f"{other.admitted_on:%Y年%-m月%-d日}", "inst": other.institution.name}
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            locked = Institution.objects.select_for_update().get(pk=institution.pk)
            open_stays = locked.residencies.filter(discharged_on__isnull=True)
            if open_stays.count() >= locked.beds_total:
                raise ValidationError(
                    {
                        "institution": _("%(inst)s 床位已满（%(b)d 张），不能再办理入住。")
                        % {"inst": locked.name, "b": locked.beds_total}
                    }
                )
            if (
                data.bed_type == Residency.BedType.NURSING
                and open_stays.filter(bed_type=Residency.BedType.NURSING).count()
                >= locked.beds_nursing
            ):
                raise ValidationError(
                    {"bed_type": _("护理型床位已满（%(b)d 张）。") % {"b": locked.beds_nursing}}
                )
            residency = Residency.objects.create(
                institution=locked,
                person=person,
                bed_type=data.bed_type,
                admitted_on=data.admitted_on,
                created_by=actor,
            )
            Assessment.objects.create(
                person=person,
                division_id=locked.division_id,
                level=data.level,
                assessed_on=data.assessed_on,
                body=(data.assessment_body or locked.name).strip()[:100],
                recorded_by=actor,
            )
            audit.record(
                actor=actor,
                action=audit.Action.CREATE,
                target=residency,
                summary=f"{locked.name} 入住 {person.name}",
            )
    except IntegrityError:
        raise ValidationError(
            {"person": _("该老人已在其他机构入住，尚未退住，不能同时入住两家机构。")}
        ) from None
    return residency


def discharge_record(
    *, actor, residency: Residency, discharged_on: dt.date | None, reason: str
) -> Residency:
    """Discharge (退住). The discharge day is not a resident day; open absences end then."""
    _check_institution(actor, residency.institution, "eldercare.change_residency")
    errors: dict = {}
    _date(errors, "discharged_on", discharged_on)
    if reason not in Residency.DischargeReason.values:
        errors["reason"] = _("请选择退住原因。")
    if residency.discharged_on is not None:
        errors["discharged_on"] = _("该老人已于 %(d)s 退住。") % {
            "d": f"{residency.discharged_on:%Y年%-m月%-d日}"
        }
    elif discharged_on is not None and discharged_on < residency.admitted_on:
        errors["discharged_on"] = _("退住日期不能早于入住日期（%(d)s）。") % {
            "d": f"{residency.admitted_on:%Y年%-m月%-d日}"
        }
    elif discharged_on is not None and discharged_on > timezone.localdate():
        errors["discharged_on"] = _("退住日期不能晚于今天。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        updated = Residency.objects.filter(pk=residency.pk, discharged_on__isnull=True).update(
            discharged_on=discharged_on, discharge_reason=reason
        )
        if updated != 1:
            raise ValidationError({"discharged_on": _("该老人刚被他人办理退住，请刷新。")})
        residency.discharged_on, residency.discharge_reason = discharged_on, reason
        for absence in residency.absences.filter(Q(end__isnull=True) | Q(end__gt=discharged_on)):
            absence.end = max(discharged_on, absence.start + dt.timedelta(days=1))
            absence.save(update_fields=["end"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=residency,
            summary=f"{residency.institution.name} 退住 {residency.person.name}",
        )
    return residency


def absence_record(
    *,
    actor,
    residency: Residency,
    kind: str,
    start: dt.date | None,
    end: dt.date | None = None,
    note: str = "",
) -> Absence:
    """A stretch away (hospital, home visit); `end` is the day of return (present again)."""
    _check_institution(actor, residency.institution, "eldercare.add_absence")
    errors: dict = {}
    if kind not in Absence.Kind.values:
        errors["kind"] = _("请选择离院类型。")
    _date(errors, "start", start)
    _date(errors, "end", end, required=False)
    if not errors:
        if start < residency.admitted_on or (
            residency.discharged_on and start >= residency.discharged_on
        ):
            errors["start"] = _("离院日期须在入住期间。")
        elif end is not None and end <= start:
            errors["end"] = _("返院日期须晚于离院日期。")
        elif (
            residency.absences.filter(Q(end__isnull=True) | Q(end__gt=start))
            .filter(start__lt=end if end else dt.date.max)
            .exists()
        ):
            errors["start"] = _("与已登记的离院记录重叠。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        absence = Absence.objects.create(
            residency=residency, kind=kind, start=start, end=end, note=note.strip()[:200]
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=absence,
            summary=f"{residency.person.name} 离院 {start}",
        )
    return absence


def absence_end(*, actor, absence: Absence, end: dt.date | None) -> Absence:
    _check_institution(actor, absence.residency.institution, "eldercare.add_absence")
    errors: dict = {}
    _date(errors, "end", end)
    if not errors and end <= absence.start:
        errors["end"] = _("返院日期须晚于离院日期。")
    if not errors and absence.end is not None:
        errors["end"] = _("该离院记录已登记返院。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        absence.end = end
        absence.save(update_fields=["end"])
        audit.record(actor=actor, action=audit.Action.UPDATE, target=absence, summary=f"返院 {end}")
    return absence


# ---------------------------------------------------------------- the monthly claim run


def budget_fund(*, actor, programme_code: str, year: int, amount: Decimal, on: dt.date):
    """Dr BANK / Cr BUDGET: the year's appropriation for one of the app's programmes."""
    require_perm(actor, "eldercare.run_claims")
    from minzheng.programs.models import Programme

    from .setup import ensure_defaults

    ensure_defaults()
    if Decimal(amount) <= 0:
        raise ValidationError({"amount": _("预算金额须大于 0。")})
    programme = Programme.objects.get(code=programme_code)
    with transaction.atomic():
        return postings.fund_budget(
            actor=actor, programme=programme, year=year, amount=money(amount), on=on
        )


@dataclass
class Computed:
    """The month's lines before anything is written (the claim run's first half)."""

    month: dt.date
    rates: rules.Rates
    institutions: list[Institution]
    lines: dict[int, list[rules.Line]]  # institution id → lines
    flagged: int = 0


def claim_compute(*, month: dt.date, institution_ids: list[int] | None = None) -> Computed:
    """Every private institution's lines for the month, read in a fixed number of queries
    (institutions, stays, absences, assessments), whatever the number of elders."""
    first, last = rules.month_bounds(month)
    rates = rules.Rates.load(month=first, params=ParamSource(cached=True))
    institutions = Institution.objects.filter(
        ownership=Institution.Ownership.PRIVATE, is_active=True
    ).order_by("pk")
    if institution_ids is not None:
        institutions = institutions.filter(pk__in=institution_ids)
    institutions = list(institutions.select_related("organisation").defer("bank_account"))
    grade = {i.pk: i.star_grade for i in institutions}
    stays = list(
        Residency.objects.filter(institution_id__in=list(grade), admitted_on__lte=last)
        .filter(Q(discharged_on__isnull=True) | Q(discharged_on__gt=first))
        .values_list(
            "pk",
            "person_id",
            "person__name",
            "person__deceased_date",
            "institution_id",
            "admitted_on",
            "discharged_on",
        )
        .order_by("institution_id", "pk")
        .iterator(chunk_size=5000)
    )
    stay_ids = [s[0] for s in stays]
    person_ids = sorted({s[1] for s in stays})
    absences: dict[int, list] = {}
    for start in range(0, len(stay_ids), 5000):
        chunk = stay_ids[start : start + 5000]
        for rid, a_start, a_end in (
            Absence.objects.filter(residency_id__in=chunk, start__lte=last)
            .filter(Q(end__isnull=True) | Q(end__gt=first))
            .values_list("residency_id", "start", "end")
        ):
            absences.setdefault(rid, []).append((a_start, a_end))
    levels: dict[int, tuple] = {}
    for start in range(0, len(person_ids), 5000):
        chunk = person_ids[start : start + 5000]
        for pid, on, pk, level in Assessment.objects.filter(
            person_id__in=chunk, assessed_on__lte=last
        ).values_list("person_id", "assessed_on", "pk", "level"):
            if pid not in levels or (on, pk) > levels[pid][:2]:
                levels[pid] = (on, pk, level)
    lines: dict[int, list[rules.Line]] = {i.pk: [] for i in institutions}
    for rid, pid, name, deceased, inst_id, admitted, discharged in stays:
        stay = rules.Stay(
            residency_id=rid,
            person_id=pid,
            person_name=name,
            institution_id=inst_id,
            admitted_on=admitted,
            discharged_on=discharged,
            deceased_date=deceased,
            level=levels[pid][2] if pid in levels else None,
            absences=absences.get(rid, []),
        )
        line = rules.claim_line(stay, month=first, grade=grade[inst_id], rates=rates)
        if line is not None:
            lines[inst_id].append(line)
    everything = [line for group in lines.values() for line in group]
    rules.mark_doubles(everything)
    flagged = sum(1 for line in everything if line.flags)
    return Computed(first, rates, institutions, lines, flagged)


def claim_run(*, actor, month: dt.date, on: dt.date | None = None) -> ClaimRun:
    """The district's monthly operating-subsidy run.

    For each private institution: a claim with one explained line per elder, granted on the
    programmes engine (Dr BUDGET / Cr PAYABLE to the institution; held lines are not in the
    amount), then one disbursement batch with one bank line per institution, paid when the
    bank's return file is imported (`claim_run_pay`). A month is claimed once: checked
    here, and backed by the unique month of ClaimRun and of each institution's Claim and
    by the engine's limit key."""
    on = _today(on)
    require_perm(actor, "eldercare.run_claims")
    if not code_in_scope(actor, district_code()):
        raise PermissionDenied(_("运营补贴由区级统一申报。"))
    first, last = rules.month_bounds(month)
    errors: dict = {}
    if last >= on:
        errors["month"] = _("%(m)s 尚未结束，月末后才能申报。") % {"m": f"{first:%Y年%-m月}"}
    elif ClaimRun.objects.filter(month=first).exists():
        errors["month"] = _("%(m)s 已申报，同一月份不能重复申报。") % {"m": f"{first:%Y年%-m月}"}
    if errors:
        raise ValidationError(errors)
    from .setup import ensure_defaults

    ensure_defaults()
    try:
        computed = claim_compute(month=first)
    except ParameterMissing as exc:
        raise ValidationError({"month": str(exc)}) from None
    try:
        with transaction.atomic():
            run = _claim_write(actor=actor, computed=computed, on=on)
    except IntegrityError:
        raise ValidationError(
            {"month": _("%(m)s 已申报，同一月份不能重复申报。") % {"m": f"{first:%Y年%-m月}"}}
        ) from None
    return run


def _claim_write(*, actor, computed: Computed, on: dt.date) -> ClaimRun:
    month = computed.month
    run = ClaimRun.objects.create(month=month, started_by=actor, parameters=computed.rates.records)
    claims = []
    for inst in computed.institutions:
        group = computed.lines[inst.pk]
        claims.append(
            Claim(
                run=run,
                institution=inst,
                month=month,
                star_grade=inst.star_grade,
                line_count=len(group),
                paid_days=sum(line.paid_days for line in group if not line.held),
                flagged_count=sum(1 for line in group if line.flags),
                total=money(sum((line.amount for line in group if not line.held), Decimal(0))),
            )
        )
    claims = Claim.objects.bulk_create(claims, batch_size=2000)
    if claims and claims[0].pk is None:  # databases without RETURNING on bulk insert
        claims = list(run.claims.order_by("pk"))
    by_inst = {c.institution_id: c for c in claims}
    ClaimLine.objects.bulk_create(
        (
            ClaimLine(
                claim_id=by_inst[inst_id].pk,
                residency_id=line.stay.residency_id,
                person_id=line.stay.person_id,
                care_level=line.level,
                resident_days=line.resident_days,
                absent_days=line.absent_days,
                paid_days=line.paid_days,
                monthly_rate=line.monthly_rate,
                amount=line.amount,
                held=line.held,
                flags=line.flags,
                explanation=line.explanation,
            )
            for inst_id, group in computed.lines.items()
            for line in group
        ),
        batch_size=5000,
    )
    application_ids = []
    insts = {i.pk: i for i in computed.institutions}
    for claim in claims:
        if claim.total <= 0:
            continue
        inst = insts[claim.institution_id]
        application = application_grant(
            actor=actor,
            permission="eldercare.run_claims",
            on=on,
            reason=_("运营补贴 %(m)s 月度申报") % {"m": f"{month:%Y-%m}"},
            data=ApplicationInput(
                programme_code=rules.OPERATING_PROGRAMME,
                division_code=inst.division_id,
                applicant_name=inst.name,
                applicant_id_number=inst.organisation.credit_code or "",
                organisation_id=inst.organisation_id,
                payee_name=inst.name,
                bank_name=inst.bank_name,
                bank_account=Institution.objects.values_list("bank_account", flat=True).get(
                    pk=inst.pk
                ),
                idempotency_key=f"eldercare.claim:{inst.pk}:{month:%Y-%m}",
                facts={
                    "month": f"{month:%Y-%m}",
                    "elders": claim.line_count,
                    "paid_days": claim.paid_days,
                    "held": sum(1 for line in computed.lines[inst.pk] if line.held),
                    "total": str(claim.total),
                },
            ),
        )
        claim.application_id = application.pk
        application_ids.append(application.pk)
    Claim.objects.bulk_update(claims, ["application_id"], batch_size=2000)
    run.claim_count = len(claims)
    run.line_count = sum(c.line_count for c in claims)
    run.flagged_count = computed.flagged
    run.total = money(sum((c.total for c in claims), Decimal(0)))
    if application_ids:
        batch = disbursement_batch_create(
            actor=actor,
            division_code=district_code(),
            programme_code=rules.OPERATING_PROGRAMME,
            application_ids=application_ids,
            group_by_payee=True,
            on=on,
        )
        run.batch_id = batch.pk
    run.save(update_fields=["claim_count", "line_count", "flagged_count", "total", "batch_id"])
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        target=run,
        summary=f"运营补贴 {month:%Y-%m}：{run.claim_count} 家 {run.line_count} 人 {run.total} 元",
    )
    return run


def claim_run_pay(*, actor, run: ClaimRun, return_file: bytes, on: dt.date | None = None) -> dict:
    """Apply the bank's return file to the run's batch (the engine's
    disbursement_return_import: Dr PAYABLE / Cr BANK per paid institution)."""
    on = _today(on)
    require_perm(actor, "eldercare.run_claims")
    if run.batch_id is None:
        raise ValidationError({"run": _("该月没有需要拨付的申报。")})
    from minzheng.programs.models import DisbursementBatch

    batch = DisbursementBatch.objects.get(pk=run.batch_id)
    result = disbursement_return_import(actor=actor, batch=batch, content=return_file, on=on)
    with transaction.atomic():
        run.paid_on = on
        run.save(update_fields=["paid_on"])
    return result


def construction_subsidy_grant(
    *,
    actor,
    institution: Institution,
    reference: str,
    new_beds_general: int,
    new_beds_nursing: int,
    on: dt.date | None = None,
):
    """The one-time subsidy per new bed (by bed type) of a private institution, granted on
    the engine (once per institution and reference: the engine's limit key)."""
    on = _today(on)
    _check_institution(actor, institution, "eldercare.run_claims")
    if institution.ownership != Institution.Ownership.PRIVATE:
        raise ValidationError({"institution": _("建设补贴只适用于民办养老机构。")})
    if (new_beds_general or 0) + (new_beds_nursing or 0) > institution.beds_total:
        raise ValidationError({"new_beds_general": _("新增床位不能超过机构床位总数。")})
    from .setup import ensure_defaults

    ensure_defaults()
    return application_grant(
        actor=actor,
        permission="eldercare.run_claims",
        on=on,
        data=ApplicationInput(
            programme_code=rules.CONSTRUCTION_PROGRAMME,
            division_code=institution.division_id,
            applicant_name=institution.name,
            applicant_id_number=institution.organisation.credit_code or "",
            organisation_id=institution.organisation_id,
            payee_name=institution.name,
            bank_name=institution.bank_name,
            bank_account=institution.bank_account,
            idempotency_key=f"eldercare.beds:{institution.pk}:{reference}",
            facts={
                "reference": reference,
                "new_beds_general": new_beds_general,
                "new_beds_nursing": new_beds_nursing,
            },
        ),
    )


# ---------------------------------------------------------------- happiness houses


@dataclass
class HouseInput:
    name: str
    division_code: str  # a community
    address: str = ""
    opening_hours: str = ""
    services: list[str] = field(default_factory=list)
    operator_id: int | None = None
    contract_start: dt.date | None = None
    contract_end: dt.date | None = None
    bank_name: str = ""
    bank_account: str = ""
    is_illustrative: bool = False


def house_register(*, actor, data: HouseInput) -> House:
    require_perm(actor, "eldercare.add_house")
    errors: dict = {}
    division = Division.objects.filter(code=data.division_code, level="community").first()
    if division is None:
        errors["division"] = _("请选择幸福院所在的村居。")
    bad = [s for s in data.services if s not in HouseService.values]
    if bad or not data.services:
        errors["services"] = _("请选择幸福院提供的服务。")
    operator = None
    if data.operator_id:
        operator = Organisation.objects.filter(pk=data.operator_id, is_void=False).first()
        if operator is None:
            errors["operator"] = _("请选择运营机构。")
    _date(errors, "contract_start", data.contract_start, required=bool(operator))
    _date(errors, "contract_end", data.contract_end, required=bool(operator))
    if (
        "contract_end" not in errors
        and data.contract_start
        and data.contract_end
        and data.contract_end < data.contract_start
    ):
        errors["contract_end"] = _("服务合同结束日期不能早于开始日期。")
    account = (data.bank_account or "").replace(" ", "")
    if account and not account.isdigit():
        errors["bank_account"] = _("银行账号只能包含数字。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        org = organisation_register(
            actor=actor,
            name=data.name,
            kind=Organisation.Kind.OTHER,
            division_code=data.division_code,
            address=data.address,
        )
        house = House.objects.create(
            organisation=org,
            name=org.name,
            division=division,
            address=data.address,
            opening_hours=data.opening_hours,
            services=list(data.services),
            operator=operator,
            contract_start=data.contract_start,
            contract_end=data.contract_end,
            bank_name=data.bank_name,
            bank_account=account,
            bank_account_masked=_mask_account(account),
            is_illustrative=data.is_illustrative,
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=house,
            summary=f"登记幸福院 {house.name}",
        )
    return house


def house_report_record(
    *,
    actor,
    house: House,
    month: dt.date,
    visits: int,
    meals: int,
    activities: int,
    note: str = "",
    photos=(),
) -> HouseReport:
    """A house's monthly operation report (once a month), with photos."""
    require_perm(actor, "eldercare.add_housereport")
    if not code_in_scope(actor, house.division_id):
        raise PermissionDenied(_("该幸福院不在您的管辖范围内。"))
    errors: dict = {}
    month = month.replace(day=1) if month else None
    _date(errors, "month", month)
    for key, value in (("visits", visits), ("meals", meals), ("activities", activities)):
        if not isinstance(value, int) or not 0 <= value <= 1_000_000:
            errors[key] = _("请填写 0 至 1000000 之间的整数。")
    if month and month > timezone.localdate():
        errors["month"] = _("不能填报未来月份。")
    if month and HouseReport.objects.filter(house=house, month=month).exists():
        errors["month"] = _("%(m)s 的运营报告已填报。") % {"m": f"{month:%Y年%-m月}"}
    for upload in photos:
        errors |= upload_errors(upload, field="photos", allowed=PHOTO_TYPES)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        report = HouseReport.objects.create(
            house=house,
            month=month,
            visits=visits,
            meals=meals,
            activities=activities,
            note=note.strip(),
            recorded_by=actor,
        )
        for upload in photos:
            attachment_add(
                actor=actor, owner=report, upload=upload, kind="house_photo", allowed=PHOTO_TYPES
            )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=report,
            summary=f"{house.name} {month:%Y-%m} 运营报告",
        )
    return report


def house_rating_record(
    *, actor, house: House, year: int, score: Decimal, on: dt.date | None = None
) -> HouseRating:
    """The yearly rating; its grade (thresholds are parameters) sets next year's subsidy."""
    on = _today(on)
    require_perm(actor, "eldercare.add_houserating")
    if not code_in_scope(actor, house.division_id):
        raise PermissionDenied(_("该幸福院不在您的管辖范围内。"))
    errors: dict = {}
    try:
        score = Decimal(str(score)).quantize(Decimal("0.1"))
        if not 0 <= score <= 100:
            raise ValueError
    except (ValueError, ArithmeticError):
        errors["score"] = _("得分须为 0 至 100。")
    if not isinstance(year, int) or not 2000 <= year <= on.year:
        errors["year"] = _("请选择已结束或当前的评级年度。")
    elif HouseRating.objects.filter(house=house, year=year).exists():
        errors["year"] = _("%(y)d 年度已评级。") % {"y": year}
    if errors:
        raise ValidationError(errors)
    params = ParamSource()
    thresholds = {
        g: Decimal(params.get(f"ec_house_grade_{g}", on=on, division_code=house.division_id).value)
        for g in ("A", "B", "C")
    }
    with transaction.atomic():
        rating = HouseRating.objects.create(
            house=house,
            year=year,
            score=score,
            grade=rules.house_grade(score, thresholds),
            rated_on=on,
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=rating,
            summary=f"{house.name} {year} 年度评级 {rating.grade}（{score} 分）",
        )
    return rating


def house_subsidy_grant(*, actor, rating: HouseRating, on: dt.date | None = None):
    """Grant next year's operating subsidy of a house by its rating, on the engine
    (Dr BUDGET / Cr PAYABLE to the house); paid by `applications_pay`."""
    on = _today(on)
    require_perm(actor, "eldercare.run_claims")
    house = rating.house
    if not house.bank_account:
        raise ValidationError({"house": _("该幸福院未登记收款银行账号。")})
    from .setup import ensure_defaults

    ensure_defaults()
    with transaction.atomic():
        application = application_grant(
            actor=actor,
            permission="eldercare.run_claims",
            on=on,
            data=ApplicationInput(
                programme_code=rules.HOUSE_PROGRAMME,
                division_code=house.division_id,
                applicant_name=house.name,
                applicant_id_number=_house_credit_code(house),
                organisation_id=house.organisation_id,
                payee_name=house.name,
                bank_name=house.bank_name,
                bank_account=house.bank_account,
                idempotency_key=f"eldercare.house:{house.pk}:{rating.year + 1}",
                facts={"year": rating.year + 1, "grade": rating.grade},
            ),
        )
        rating.application_id = application.pk
        rating.save(update_fields=["application_id"])
    return application


def _house_credit_code(house: House) -> str:
    if house.organisation.credit_code:
        return house.organisation.credit_code
    if house.operator_id and house.operator.credit_code:
        return house.operator.credit_code
    raise ValidationError({"house": _("幸福院及其运营机构均未登记统一社会信用代码。")})


def applications_pay(
    *, actor, programme_code: str, application_ids: list[int], return_file_for, on: dt.date
) -> dict:
    """Pay granted applications of one of the app's programmes: a batch grouped by payee,
    then the bank's return file (`return_file_for(batch) -> bytes`)."""
    batch = disbursement_batch_create(
        actor=actor,
        division_code=district_code(),
        programme_code=programme_code,
        application_ids=application_ids,
        group_by_payee=True,
        on=on,
    )
    return disbursement_return_import(
        actor=actor, batch=batch, content=return_file_for(batch), on=on
    )


# ---------------------------------------------------------------- inspections


@dataclass
class FindingInput:
    item_id: int | None
    description: str
    deadline: dt.date | None
    photos: list = field(default_factory=list)


def place_kind_of(org: Organisation) -> str:
    if Institution.objects.filter(organisation=org).exists():
        return PlaceKind.ELDERCARE
    if House.objects.filter(organisation=org).exists():
        return PlaceKind.HOUSE
    return ""


def inspection_create(
    *,
    actor,
    place_id: int,
    inspection_type_code: str,
    inspected_on: dt.date | None,
    inspectors: str,
    summary: str = "",
    findings: list[FindingInput] = (),
    place_kind: str = "",
    on: dt.date | None = None,
) -> Inspection:
    """Record an inspection of any civil-affairs service institution (a registry
    organisation: elderly-care institution, happiness house, rescue station, children's
    welfare home …) with its findings; each finding names a checklist item of the
    inspection's type and a rectification deadline not in the past."""
    on = _today(on)
    require_perm(actor, "eldercare.add_inspection")
    errors: dict = {}
    place = Organisation.objects.filter(pk=place_id, is_void=False).first() if place_id else None
    if place is None or not code_in_scope(actor, place.division_id):
        errors["place"] = _("请选择被检查的机构。")
    kind = InspectionType.objects.filter(code=inspection_type_code).first()
    if kind is None:
        errors["inspection_type"] = _("请选择检查类型。")
    _date(errors, "inspected_on", inspected_on)
    if inspected_on and inspected_on > on:
        errors["inspected_on"] = _("检查日期不能晚于今天。")
    inspectors = " ".join((inspectors or "").split())
    if not inspectors:
        errors["inspectors"] = _("请填写检查人员。")
    elif name_error(inspectors):
        errors["inspectors"] = name_error(inspectors)
    if place is not None:
        place_kind = place_kind_of(place) or place_kind
        if place_kind not in PlaceKind.values:
            errors["place_kind"] = _("请选择被检查机构的类别。")
    items = {}
    if kind is not None:
        items = {
            i.pk: i for i in ChecklistItem.objects.filter(inspection_type=kind, is_active=True)
        }
    for n, f in enumerate(findings, start=1):
        prefix = _("第 %(n)d 条问题：") % {"n": n}
        if not f.item_id:
            errors[f"findings.{n}.item"] = prefix + _("请选择对应的检查项目。")
        elif f.item_id not in items:
            errors[f"findings.{n}.item"] = prefix + _("检查项目不属于该检查类型。")
        if not (f.description or "").strip():
            errors[f"findings.{n}.description"] = prefix + _("请填写存在的问题。")
        if f.deadline is None:
            errors[f"findings.{n}.deadline"] = prefix + _("请填写整改期限。")
        elif f.deadline < on:
            errors[f"findings.{n}.deadline"] = prefix + _("整改期限不能早于今天。")
        elif date_error(validate_event_date, f.deadline):
            errors[f"findings.{n}.deadline"] = prefix + date_error(validate_event_date, f.deadline)
        for upload in f.photos:
            for key, message in upload_errors(upload, field="photos", allowed=PHOTO_TYPES).items():
                errors[f"findings.{n}.{key}"] = prefix + message
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        inspection = Inspection.objects.create(
            place=place,
            place_kind=place_kind,
            division_id=place.division_id,
            inspection_type=kind,
            inspected_on=inspected_on,
            inspectors=inspectors,
            summary=(summary or "").strip(),
            created_by=actor,
        )
        for f in findings:
            finding = Finding.objects.create(
                inspection=inspection,
                item_id=f.item_id,
                description=f.description.strip(),
                deadline=f.deadline,
            )
            workflow.start(
                workflow=FINDING,
                obj=finding,
                name="open",
                actor=actor,
                reason=_("整改期限 %(d)s") % {"d": f"{f.deadline:%Y年%-m月%-d日}"},
            )
            for upload in f.photos:
                attachment_add(
                    actor=actor,
                    owner=finding,
                    upload=upload,
                    kind="finding_photo",
                    allowed=PHOTO_TYPES,
                )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=inspection,
            summary=f"{kind.name}检查 {place.name}：{len(findings)} 个问题",
        )
    return inspection


def followup_record(
    *,
    actor,
    finding: Finding,
    visited_on: dt.date | None,
    note: str,
    rectified: bool,
    photos=(),
    on: dt.date | None = None,
) -> FollowUp:
    """A follow-up visit; when it finds the problem fixed the finding is closed (销号)."""
    on = _today(on)
    require_perm(actor, "eldercare.add_followup")
    if not code_in_scope(actor, finding.inspection.division_id):
        raise PermissionDenied(_("该检查不在您的管辖范围内。"))
    errors: dict = {}
    _date(errors, "visited_on", visited_on)
    if visited_on and visited_on < finding.inspection.inspected_on:
        errors["visited_on"] = _("复查日期不能早于检查日期。")
    elif visited_on and visited_on > on:
        errors["visited_on"] = _("复查日期不能晚于今天。")
    if not (note or "").strip():
        errors["note"] = _("请填写复查情况。")
    if finding.state != FindingState.OPEN:
        errors["state"] = _("该问题已整改销号。")
    for upload in photos:
        errors |= upload_errors(upload, field="photos", allowed=PHOTO_TYPES)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        follow_up = FollowUp.objects.create(
            finding=finding,
            visited_on=visited_on,
            note=note.strip(),
            rectified=bool(rectified),
            recorded_by=actor,
        )
        for upload in photos:
            attachment_add(
                actor=actor,
                owner=finding,
                upload=upload,
                kind="followup_photo",
                allowed=PHOTO_TYPES,
            )
        if rectified:
            workflow.move(
                workflow=FINDING,
                obj=finding,
                name="close",
                actor=actor,
                reason=note.strip()[:200],
                extra_updates={"closed_on": visited_on},
            )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=follow_up,
            summary=f"复查 {finding}：{'已整改销号' if rectified else '仍在整改'}",
        )
    return follow_up


# ---------------------------------------------------------------- portal requests


def service_request_submit(
    *,
    resident,
    kind: str,
    institution_id: int | None = None,
    house_id: int | None = None,
    elder_name: str,
    contact_name: str,
    phone: str,
    service: str = "",
    note: str = "",
) -> ServiceRequest:
    """An elder or a family member asks for admission or for a house's service."""
    if getattr(resident, "kind", "") != "resident" or not resident.is_authenticated:
        raise PermissionDenied(_("请先登录。"))
    errors: dict = {}
    institution = house = None
    if kind == ServiceRequest.Kind.ADMISSION:
        institution = Institution.objects.filter(pk=institution_id, is_active=True).first()
        if institution is None:
            errors["institution"] = _("请选择养老机构。")
    elif kind == ServiceRequest.Kind.HOUSE:
        house = House.objects.filter(pk=house_id).first()
        if house is None:
            errors["house"] = _("请选择幸福院。")
        elif service not in house.services:
            errors["service"] = _("请选择该幸福院提供的服务。")
    else:
        errors["kind"] = _("请选择申请类型。")
    for key, value in (("elder_name", elder_name), ("contact_name", contact_name)):
        value = " ".join((value or "").split())
        if not value:
            errors[key] = _("请填写姓名。")
        elif len(value) > 40 or name_error(value):
            errors[key] = name_error(value) or _("姓名不能超过 40 个字。")
    try:
        phone = validators.validate_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    place = institution or house
    with transaction.atomic():
        request = ServiceRequest.objects.create(
            kind=kind,
            institution=institution,
            house=house,
            division_id=place.division_id,
            elder_name=" ".join(elder_name.split()),
            contact_name=" ".join(contact_name.split()),
            phone=phone,
            phone_masked=validators.mask_phone(phone),
            service=service if house else "",
            note=(note or "").strip()[:300],
            resident=resident,
        )
        audit.record(
            actor=resident,
            action=audit.Action.CREATE,
            target=request,
            summary=f"{request.get_kind_display()} {place.name}",
        )
    return request
