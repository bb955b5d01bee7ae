"""Two staff confirm different candidates of the same found person at the same moment: only
one confirmation may win (conditional updates on the case state and the candidate)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from minzheng.rescue import services
from minzheng.rescue.models import Case, CaseTransition, MatchCandidate, MissingReport

from .conftest import intake, report_input


def _postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_of_one_case_only_one_wins(rescue_staff, station):
    if not _postgres():
        pytest.skip("concurrency test needs PostgreSQL")
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
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm(candidate_id: int) -> None:
        try:
            candidate = MatchCandidate.objects.select_related("case", "report").get(pk=candidate_id)
            barrier.wait()
            services.candidate_decide(
                actor=rescue_staff, candidate=candidate, decision="confirmed", reason="家属辨认"
            )
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(c.pk,)) for c in candidates]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert MatchCandidate.objects.filter(case=case, decision="confirmed").count() == 1
    assert MissingReport.objects.filter(status="found").count() == 1
    assert CaseTransition.objects.filter(case=case, to_state="to_return").count() == 1
    assert Case.objects.get(pk=case.pk).state == "to_return"
