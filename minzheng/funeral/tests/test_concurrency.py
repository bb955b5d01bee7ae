"""Two funeral homes recording the same deceased at once, two officers settling the same
month at once, and a void racing the month's settlement, on PostgreSQL with real threads:
one wins, nothing is doubled."""

import datetime as dt

import pytest

from minzheng.funeral import services
from minzheng.funeral.models import ServiceRecord, Settlement
from minzheng.ledger.models import JournalEntry
from minzheng.programs.models import Application

from .conftest import id_number, service_input

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_same_deceased_at_two_homes_at_once(
    run_concurrently, home_staff, home, other_staff, other_home
):
    number = id_number()
    results = run_concurrently.calls(
        [
            lambda: services.service_record(
                actor=home_staff, data=service_input(home, deceased_id_number=number)
            ),
            lambda: services.service_record(
                actor=other_staff, data=service_input(other_home, deceased_id_number=number)
            ),
        ]
    )
    assert sorted(type(r).__name__ for r in results) == ["ServiceRecord", "ValidationError"]
    assert ServiceRecord.objects.count() == 1
    assert Application.objects.count() == 1


def test_same_month_settled_twice_at_once(run_concurrently, home_staff, home, officer, make_staff):
    from minzheng.funeral import roles

    officer_2 = make_staff("funeral_officer_2", roles.FUNERAL_OFFICER, "440605000000")
    services.service_record(
        actor=home_staff, data=service_input(home, service_date=dt.date(2021, 3, 2))
    )
    entries = JournalEntry.objects.count()
    results = run_concurrently.calls(
        [
            lambda: services.settlement_post(
                actor=officer, home=home, month=dt.date(2021, 3, 1), on=dt.date(2021, 4, 6)
            ),
            lambda: services.settlement_post(
                actor=officer_2, home=home, month=dt.date(2021, 3, 1), on=dt.date(2021, 4, 6)
            ),
        ]
    )
    assert all(isinstance(r, Settlement) for r in results)
    assert Settlement.objects.count() == 1
    assert JournalEntry.objects.count() == entries + 1


@pytest.mark.parametrize("run", range(3))
def test_void_racing_the_settlement_of_its_month(run_concurrently, home_staff, home, officer, run):
    """Either the void wins (the settlement leaves the record out) or the settlement wins
    (the void is refused): never a settled and voided record, never a wrong total."""
    from decimal import Decimal

    from minzheng.ledger.selectors import party_balance

    kept = services.service_record(actor=home_staff, data=service_input(home))
    target = services.service_record(actor=home_staff, data=service_input(home))
    results = run_concurrently.calls(
        [
            lambda: services.service_void(actor=home_staff, record=target, reason="登记错人"),
            lambda: services.settlement_post(
                actor=officer, home=home, month=dt.date(2021, 3, 1), on=dt.date(2021, 4, 6)
            ),
        ]
    )
    settlement = Settlement.objects.get()
    target.refresh_from_db()
    kept.refresh_from_db()
    assert kept.settlement_id == settlement.pk
    if target.voided_at is not None:  # the void won
        assert target.settlement_id is None
        assert (settlement.service_count, settlement.total) == (1, Decimal("800.00"))
        # the engine gives the grant's money back (application_void)
        assert JournalEntry.objects.filter(
            idempotency_key=f"programs.void:{target.application_id}"
        ).exists()
    else:  # the settlement won
        assert target.settlement_id == settlement.pk
        assert (settlement.service_count, settlement.total) == (2, Decimal("1600.00"))
        assert sorted(type(r).__name__ for r in results) == ["ServiceVoidConflict", "Settlement"]
        assert not JournalEntry.objects.filter(
            idempotency_key=f"programs.void:{target.application_id}"
        ).exists()
    assert ServiceRecord.objects.filter(settlement=settlement).count() == settlement.service_count
    assert party_balance("PAYABLE:funeral_fee_waiver", home.party) == Decimal("0.00")
