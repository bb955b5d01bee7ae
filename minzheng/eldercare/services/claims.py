"""The monthly subsidy claim run on the programmes engine, every line explained and flagged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.district import district_code
from minzheng.core.params import ParameterMissing
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.programs import postings
from minzheng.programs.rules import ParamSource, money
from minzheng.programs.services import (
    ApplicationInput,
    application_grant,
    disbursement_batch_create,
    disbursement_return_import,
)

from .. import rules
from ..models import (
    Absence,
    Assessment,
    Claim,
    ClaimLine,
    ClaimRun,
    Institution,
    Residency,
)
from .common import _check_institution, _today


def budget_fund(*, actor, programme_code: str, year: int, amount: Decimal, on: dt.date):
    """Dr BANK / Cr BUDGET: the year's appropriation for one of the app's programmes."""
    require_perm(actor, "eldercare.run_claims")
    from minzheng.programs.models import Programme

    from ..setup import ensure_defaults

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
    from ..setup import ensure_defaults

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
    from ..setup import ensure_defaults

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
