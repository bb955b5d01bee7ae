"""Concurrent approvals against one budget, on PostgreSQL with real threads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from minzheng.ledger import selectors as ledger_q
from minzheng.programs import postings, services
from minzheng.programs.models import Application, State

from .conftest import GUICHENG_COMMUNITY, id_number

pytestmark = [
    pytest.mark.django_db(transaction=True),
]
D1 = dt.date(2021, 4, 1)


def _review_case(officer, i: int) -> Application:
    data = services.ApplicationInput(
        programme_code="education_aid",
        division_code=GUICHENG_COMMUNITY,
        applicant_name=f"学生{i}",
        applicant_id_number=id_number(),
        facts={
            "student_name": f"S{i}",
            "school": "x",
            "stage": "junior",
            "basis": "dibao",
            "enrolled": True,
        },  # 1,500 元
        bank_account="62220001",
        idempotency_key=f"c{i}",
    )
    app = services.application_submit(actor=officer, data=data, on=D1)
    Application.objects.filter(pk=app.pk).update(
        state=State.REVIEW, amount=Decimal("1500.00")
    )  # the earlier steps are tested elsewhere
    app.refresh_from_db()
    return app


@pytest.mark.postgres
def test_concurrent_approvals_never_overdraw_the_budget(run_concurrently, programmes, officer):
    postings.fund_budget(
        actor=officer,
        programme=programmes["education_aid"],
        year=2021,
        amount=Decimal("7500"),
        on=D1,
    )  # 5 approvals
    apps = [_review_case(officer, i) for i in range(12)]

    def approve(i: int) -> str:
        services.application_approve(actor=officer, application=apps[i], on=D1)
        return "ok"

    outcomes = [
        ("refused" if "余额不足" in str(r) else f"error {r}")
        if isinstance(r, ValidationError)
        else r
        for r in run_concurrently(approve, len(apps))
    ]
    assert sorted(outcomes) == ["ok"] * 5 + ["refused"] * 7
    assert Application.objects.filter(state=State.APPROVED).count() == 5
    assert Application.objects.filter(state=State.REVIEW).count() == 7
    assert ledger_q.account_balance("BUDGET:education_aid:2021") == Decimal("0.00")
    assert ledger_q.account_balance("PAYABLE:education_aid") == Decimal("7500.00")
    assert ledger_q.trial_balance_ok()
