"""Two staff confirm different candidates of the same found person at the same moment: only
one confirmation may win (conditional updates on the case state and the candidate)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from minzheng.rescue import services
from minzheng.rescue.models import Case, CaseTransition, MatchCandidate, MissingReport

from .conftest import intake, report_input


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_of_one_case_only_one_wins(run_concurrently, rescue_staff, station):
    services.report_create(actor=rescue_staff, data=report_input(), source="counter")
    services.report_create(
        actor=rescue_staff,
        data=report_input(name="王志强", missing_date=dt.date(2021, 2, 20)),
        source="counter",
    )
    case = services.case_intake(actor=rescue_staff, station=station, data=intake())
    services.case_rematch(case_id=case.pk)
    candidates = list(MatchCandidate.objects.filter(case=case).order_by("rank")[:2])
    assert len(candidates) == 2

    def confirm(i: int) -> str:
        services.candidate_decide(
            actor=rescue_staff, candidate=candidates[i], decision="confirmed", reason="家属辨认"
        )
        return "ok"

    outcomes = [
        "refused" if isinstance(r, ValidationError) else r for r in run_concurrently(confirm, 2)
    ]
    assert sorted(outcomes) == ["ok", "refused"]
    assert MatchCandidate.objects.filter(case=case, decision="confirmed").count() == 1
    assert MissingReport.objects.filter(status="found").count() == 1
    assert CaseTransition.objects.filter(case=case, to_state="to_return").count() == 1
    assert Case.objects.get(pk=case.pk).state == "to_return"
