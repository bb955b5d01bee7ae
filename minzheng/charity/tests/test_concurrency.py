"""PostgreSQL, real threads: a fund never goes below zero and receipt numbers have no gaps."""

from decimal import Decimal

import pytest

from minzheng.charity import services
from minzheng.charity.models import Donation, Receipt, Spending
from minzheng.ledger import selectors as ledger_q

from .conftest import gift, spend

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_approvals_for_the_last_money_spend_it_once(
    maker, checker, campaign, run_concurrently
):
    gift(maker, amount="1000", campaign=campaign)
    requests = [
        spend(maker, amount="300", campaign=campaign, description=f"采购 {i}") for i in range(8)
    ]

    def approve(i):
        return services.spending_approve(
            actor=checker, spending=Spending.objects.get(pk=requests[i].pk)
        )

    results = run_concurrently(approve, 8)
    approved = [r for r in results if isinstance(r, Spending)]
    refused = [r for r in results if isinstance(r, services.SpendingConflict)]
    assert (len(approved), len(refused)) == (3, 5), results
    code = services.fund_account(campaign=campaign)
    assert ledger_q.account_balance(code) == Decimal("100.00")
    assert Spending.objects.filter(state="approved").count() == 3
    assert Spending.objects.filter(state="requested", entry_id__isnull=True).count() == 5
    assert ledger_q.trial_balance_problems() == []


def test_the_same_request_approved_twice_at_once_moves_money_once(
    maker, checker, make_staff, charity, officer, campaign, run_concurrently
):
    from minzheng.charity import roles

    third = make_staff("charity_third", roles.CHARITY_STAFF)
    services.charity_staff_link(actor=officer, charity=charity, user=third)
    third = type(third).objects.get(pk=third.pk)
    gift(maker, amount="1000", campaign=campaign)
    s = spend(maker, amount="600", campaign=campaign)
    results = run_concurrently.calls(
        [
            lambda: services.spending_approve(
                actor=checker, spending=Spending.objects.get(pk=s.pk)
            ),
            lambda: services.spending_approve(actor=third, spending=Spending.objects.get(pk=s.pk)),
        ]
    )
    assert sum(isinstance(r, Spending) for r in results) == 1, results
    assert ledger_q.account_balance(services.fund_account(campaign=campaign)) == Decimal("400.00")


def test_receipt_numbers_have_no_gaps_under_concurrency(
    maker, campaign, run_concurrently, monkeypatch
):
    """A quarter of the gifts fail after their receipt took a number (the audit write
    raises): their transactions roll back, and so does the number."""
    n = 12
    from minzheng.core import audit

    real_record = audit.record

    def flaky_record(**kw):
        if kw.get("summary", "").endswith(".99 元"):
            raise RuntimeError("injected failure after the receipt")
        return real_record(**kw)

    monkeypatch.setattr(audit, "record", flaky_record)

    def donate(i):
        return gift(maker, amount=f"{i + 1}.99" if i % 4 == 3 else f"{i + 1}.00", campaign=campaign)

    results = run_concurrently(donate, n)
    assert sum(isinstance(r, Donation) for r in results) == 9, results
    assert sum(isinstance(r, RuntimeError) for r in results) == 3
    seqs = sorted(Receipt.objects.filter(year=2021).values_list("seq", flat=True))
    assert seqs == list(range(1, 10))
    assert Donation.objects.count() == 9
    assert ledger_q.trial_balance_problems() == []
