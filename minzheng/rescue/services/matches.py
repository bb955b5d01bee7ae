"""Matching: the matcher's records built from cases and reports, re-matching after every
change (a background task), and staff's decision on a candidate.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm
from minzheng.core.tasks import enqueue

from .. import matching, rules
from ..models import (
    Case,
    CaseState,
    Decision,
    MatchCandidate,
    MissingReport,
    ReportStatus,
)
from ..workflows import CASE
from .moves import _transition


def report_record(report: MissingReport) -> matching.ReportRecord:
    return matching.ReportRecord(
        key=report.external_id,
        name=report.name,
        sex=report.sex,
        birth_year=report.year_of_birth,
        missing_date=report.missing_date,
        missing_place=report.missing_place,
        division_code=report.division_id or "",
        description=report.description,
    )


def _schedule_case_match(case_id: int) -> None:
    Case.objects.filter(pk=case_id).update(match_requested_at=timezone.now())
    enqueue(case_rematch, case_id=case_id)


def _schedule_report_match(report_id: int) -> None:
    enqueue(report_rematch, report_id=report_id)


def case_query(case: Case) -> matching.FoundQuery:
    return matching.FoundQuery(
        id=case.number,
        name=case.told_name,
        sex=case.sex,
        age_min=case.age_min,
        age_max=case.age_max,
        found_date=case.found_date,
        found_place=case.found_place,
        division_code=case.found_division_id or "",
        description=case.description_text,
    )


def case_rematch(*, case_id: int) -> int:
    """Task: rank the open reports for one case and store the top candidates. Existing rows
    keep their decision; their score and reasons are refreshed. Pending rows that dropped
    out of the top are removed (computed data); decided rows are never removed."""
    from ..selectors import match_query

    case = Case.objects.filter(pk=case_id).first()
    if case is None or case.is_closed:
        return 0
    found = match_query(case_query(case), top=rules.TOP_CANDIDATES)
    ids = dict(
        MissingReport.objects.filter(external_id__in=[c.key for c in found]).values_list(
            "external_id", "pk"
        )
    )
    now = timezone.now()
    with transaction.atomic():
        existing = {
            c.report_id: c for c in MatchCandidate.objects.select_for_update().filter(case=case)
        }
        kept = set()
        for rank, cand in enumerate(found, start=1):
            report_id = ids[cand.key]
            kept.add(report_id)
            row = existing.get(report_id)
            score = Decimal(str(round(cand.score, 4)))
            if row:
                row.score, row.rank, row.reasons, row.computed_at = score, rank, cand.reasons, now
                row.save(update_fields=["score", "rank", "reasons", "computed_at"])
            else:
                MatchCandidate.objects.create(
                    case=case,
                    report_id=report_id,
                    score=score,
                    rank=rank,
                    reasons=cand.reasons,
                    computed_at=now,
                )
        MatchCandidate.objects.filter(case=case, decision=Decision.PENDING).exclude(
            report_id__in=kept
        ).delete()
        Case.objects.filter(pk=case.pk).update(matched_at=timezone.now())
    return len(found)


def report_rematch(*, report_id: int) -> int:
    """Task: a report was added or changed — score it against every open case and re-rank
    the cases it could belong to."""
    report = MissingReport.objects.filter(pk=report_id).first()
    if report is None:
        return 0
    record = report_record(report)
    touched = 0
    for case in Case.objects.filter(state__in=rules.OPEN_STATES).exclude(state=CaseState.TO_RETURN):
        if (
            matching.rank(case_query(case), [record], top=1)
            or MatchCandidate.objects.filter(case=case, report=report).exists()
        ):
            case_rematch(case_id=case.pk)
            touched += 1
    return touched


def rematch_open_cases() -> int:
    ids = list(
        Case.objects.filter(state__in=rules.OPEN_STATES)
        .exclude(state=CaseState.TO_RETURN)
        .values_list("pk", flat=True)
    )
    for case_id in ids:
        case_rematch(case_id=case_id)
    return len(ids)


def candidate_decide(
    *, actor, candidate: MatchCandidate, decision: str, reason: str
) -> MatchCandidate:
    """Staff confirm or reject a candidate, with a reason; kept as is by later re-matching.
    Confirming marks the report found and the case for return; nothing is merged. Takes the
    case's row lock (select_for_update) before writing."""
    require_perm(actor, "rescue.decide_match")
    reason = (reason or "").strip()
    errors = {}
    if decision not in (Decision.CONFIRMED, Decision.REJECTED):
        errors["decision"] = _("请选择确认或排除。")
    if not reason:
        errors["reason"] = _("请填写核实说明（如：经家属视频辨认）。")
    case = candidate.case
    if candidate.decision != Decision.PENDING:
        errors["decision"] = _("该比对结果已核实过。")
    if decision == Decision.CONFIRMED:
        if case.confirmed_report_id:
            errors["decision"] = _("该受助人员已确认了另一条寻亲登记。")
        elif candidate.report.status != ReportStatus.OPEN:
            errors["decision"] = _("该寻亲登记已不在寻找中。")
        elif not CASE.can(case.state, CaseState.TO_RETURN):
            errors["decision"] = _("个案当前状态不能转为待送返。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The case row is locked first: two confirmations of one person queue here, and the
        # second sees the first's confirmed report.
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if decision == Decision.CONFIRMED and (
            locked.confirmed_report_id or locked.state != case.state
        ):
            raise ValidationError({"decision": _("该受助人员已确认了另一条寻亲登记。")})
        if not MatchCandidate.objects.filter(pk=candidate.pk, decision=Decision.PENDING).update(
            decision=decision,
            decision_reason=reason[:300],
            decided_by=actor,
            decided_at=timezone.now(),
        ):
            raise ValidationError({"decision": _("该比对结果已被他人核实。")})
        candidate.refresh_from_db()
        if decision == Decision.CONFIRMED:
            report = candidate.report
            report.status = ReportStatus.FOUND
            report.save(update_fields=["status"])
            case.confirmed_report = report
            case.save(update_fields=["confirmed_report"])
            _transition(
                case=case,
                to_state=CaseState.TO_RETURN,
                reason=_("确认寻亲登记 %(x)s：%(r)s") % {"x": report.external_id, "r": reason},
                actor=actor,
            )
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=candidate,
            summary=f"{case.number} {Decision(decision).label} {candidate.report.external_id}：{reason}"[
                :300
            ],
        )
    return candidate
