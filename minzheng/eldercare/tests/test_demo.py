"""The demo step: idempotent, and its figures computed from its records."""

import io

import pytest
from django.db.models import Sum

pytestmark = pytest.mark.django_db


def test_demo_runs_twice_and_adds_nothing_the_second_time():
    from minzheng.eldercare import demo
    from minzheng.eldercare.models import (
        Claim,
        ClaimLine,
        ClaimRun,
        Finding,
        House,
        Inspection,
        Institution,
        Residency,
    )
    from minzheng.ledger.selectors import trial_balance_problems

    demo.run(stdout=io.StringIO(), password="Demo-Password-123")
    counts = [
        m.objects.count()
        for m in (Institution, House, Residency, ClaimRun, Claim, ClaimLine, Inspection, Finding)
    ]
    demo.run(stdout=io.StringIO(), password="Demo-Password-123")
    assert [
        m.objects.count()
        for m in (Institution, House, Residency, ClaimRun, Claim, ClaimLine, Inspection, Finding)
    ] == counts
    assert counts[:2] == [21, 14]
    assert ClaimRun.objects.filter(month__year=2021, paid_on__isnull=False).count() == 12
    for run in ClaimRun.objects.all():
        assert run.total == run.claims.aggregate(t=Sum("total"))["t"]
        lines = ClaimLine.objects.filter(claim__run=run, held=False).aggregate(t=Sum("amount"))["t"]
        assert run.total == lines
    may = Finding.objects.filter(
        inspection__inspected_on__year=2021, inspection__inspected_on__month=5
    )
    assert may.count() > 0 and may.filter(state="open").count() == 0
    assert Inspection.objects.filter(place_kind="rescue").count() == 1
    assert trial_balance_problems() == []
