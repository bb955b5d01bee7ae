from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from minzheng.ledger import selectors, services
from minzheng.ledger.models import Account, JournalEntry, JournalLine
from minzheng.ledger.services import InsufficientFunds, Line


@pytest.fixture
def accounts(db):
    services.account_open(code="BANK", name="银行存款", kind="bank")
    services.account_open(
        code="BUDGET:TA:2026", name="临时救助 2026 年预算", kind="budget", year=2026
    )
    services.account_open(code="PAYABLE:TA", name="临时救助应付款", kind="payable")
    services.account_open(
        code="RESERVE:440605011000",
        name="桂城街道备用金",
        kind="reserve",
        division_code="440605011000",
    )


def fund(actor, amount, key="fund-1"):
    return services.entry_post(
        actor=actor,
        lines=[Line("BANK", debit=Decimal(amount)), Line("BUDGET:TA:2026", credit=Decimal(amount))],
        memo="下达预算",
        source="test",
        idempotency_key=key,
    )


@pytest.mark.django_db
def test_posting_moves_balances_in_their_normal_direction(accounts, district_officer):
    fund(district_officer, "10000")
    services.entry_post(
        actor=district_officer,
        lines=[
            Line("BUDGET:TA:2026", debit=Decimal("2400")),
            Line("PAYABLE:TA", credit=Decimal("2400"), party="person:1"),
        ],
        memo="审批",
        source="test",
        idempotency_key="approve-1",
    )
    assert selectors.account_balance("BANK") == Decimal("10000.00")
    assert selectors.account_balance("BUDGET:TA:2026") == Decimal("7600.00")
    assert selectors.account_balance("PAYABLE:TA") == Decimal("2400.00")
    assert selectors.party_balance("PAYABLE:TA", "person:1") == Decimal("2400.00")
    assert selectors.trial_balance_problems() == []


@pytest.mark.django_db
def test_unbalanced_or_one_sided_entries_write_nothing(accounts, district_officer):
    with pytest.raises(ValidationError) as exc:
        services.entry_post(
            actor=district_officer,
            lines=[Line("BANK", debit=Decimal("5")), Line("BUDGET:TA:2026", credit=Decimal("4"))],
            memo="x",
            source="t",
            idempotency_key="k1",
        )
    assert "借贷不平衡" in exc.value.message_dict["lines"][0]
    with pytest.raises(ValidationError):
        services.entry_post(
            actor=district_officer,
            lines=[Line("BANK", debit=Decimal("5"), credit=Decimal("5"))],
            memo="x",
            source="t",
            idempotency_key="k2",
        )
    with pytest.raises(ValidationError):
        services.entry_post(
            actor=district_officer,
            lines=[Line("NOPE", debit=Decimal("5")), Line("BANK", credit=Decimal("5"))],
            memo="x",
            source="t",
            idempotency_key="k3",
        )
    assert JournalEntry.objects.count() == 0 and JournalLine.objects.count() == 0
    assert set(Account.objects.values_list("balance", flat=True)) == {Decimal("0.00")}


@pytest.mark.django_db
def test_budget_cannot_go_below_zero_and_nothing_is_written(accounts, district_officer):
    fund(district_officer, "1000")
    with pytest.raises(InsufficientFunds) as exc:
        services.entry_post(
            actor=district_officer,
            lines=[
                Line("BUDGET:TA:2026", debit=Decimal("1000.01")),
                Line("PAYABLE:TA", credit=Decimal("1000.01")),
            ],
            memo="审批",
            source="t",
            idempotency_key="over",
        )
    assert "余额不足：可用 1000.00 元，本次需要 1000.01 元" in exc.value.message_dict["amount"][0]
    assert JournalEntry.objects.count() == 1
    assert selectors.account_balance("BUDGET:TA:2026") == Decimal("1000.00")


@pytest.mark.django_db
def test_same_idempotency_key_posts_once(accounts, district_officer):
    first = fund(district_officer, "500", key="same")
    second = fund(district_officer, "500", key="same")
    assert first.pk == second.pk
    assert selectors.account_balance("BUDGET:TA:2026") == Decimal("500.00")


@pytest.mark.django_db
def test_reversal_mirrors_the_entry_and_keeps_the_original(accounts, district_officer):
    entry = fund(district_officer, "800")
    reversal = services.entry_reverse(actor=district_officer, entry=entry, reason="金额录错")
    assert reversal.reverses == entry and reversal.total == Decimal("800.00")
    assert (
        selectors.account_balance("BANK")
        == Decimal("0.00")
        == selectors.account_balance("BUDGET:TA:2026")
    )
    assert JournalEntry.objects.count() == 2
    with pytest.raises(ValidationError):
        services.entry_reverse(actor=district_officer, entry=entry, reason="again")
    with pytest.raises(ValidationError):
        services.entry_reverse(actor=district_officer, entry=reversal, reason="x")
    assert selectors.trial_balance_problems() == []


@pytest.mark.django_db
def test_reversal_that_would_overdraw_is_refused(accounts, district_officer):
    entry = fund(district_officer, "800")
    services.entry_post(
        actor=district_officer,
        lines=[
            Line("BUDGET:TA:2026", debit=Decimal("300")),
            Line("PAYABLE:TA", credit=Decimal("300")),
        ],
        memo="审批",
        source="t",
        idempotency_key="a",
    )
    with pytest.raises(InsufficientFunds):
        services.entry_reverse(actor=district_officer, entry=entry, reason="撤回预算")


@pytest.mark.django_db
def test_check_detects_a_tampered_balance(accounts, district_officer):
    fund(district_officer, "100")
    Account.objects.filter(code="BANK").update(balance=Decimal("999"))
    assert selectors.trial_balance_problems() == ["BANK: balance 999.00 but lines give 100.00"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_never_overdraw_a_budget(run_concurrently, district_officer):
    services.account_open(code="BANK", name="银行存款", kind="bank")
    services.account_open(code="BUDGET:TA:2026", name="预算", kind="budget", year=2026)
    services.account_open(code="PAYABLE:TA", name="应付", kind="payable")
    fund(district_officer, "10000")  # room for exactly 10 approvals of 1,000

    def approve(i):
        return services.entry_post(
            actor=district_officer,
            lines=[
                Line("BUDGET:TA:2026", debit=Decimal("1000")),
                Line("PAYABLE:TA", credit=Decimal("1000"), party=f"person:{i}"),
            ],
            memo="审批",
            source="t",
            idempotency_key=f"approve-{i}",
        )

    results = [
        "refused"
        if isinstance(r, InsufficientFunds)
        else "ok"
        if isinstance(r, JournalEntry)
        else r
        for r in run_concurrently(approve, 16)
    ]
    assert sorted(results) == ["ok"] * 10 + ["refused"] * 6
    assert selectors.account_balance("BUDGET:TA:2026") == Decimal("0.00")
    assert JournalEntry.objects.filter(source="t").count() == 10
    assert selectors.trial_balance_problems() == []
