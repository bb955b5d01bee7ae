import datetime as dt
import io
from decimal import Decimal

from minzheng.funeral.models import ServiceRecord, Settlement
from minzheng.ledger.selectors import party_balance


def test_demo_totals_match_the_published_figure(db, make_staff):
    from minzheng.funeral import demo

    summary = demo.run(stdout=io.StringIO(), password="Demo-Password-123")
    qs = ServiceRecord.objects.filter(
        service_date__gte=dt.date(2021, 1, 1), service_date__lte=dt.date(2021, 5, 31)
    )
    assert qs.count() == 3216
    assert sum(qs.values_list("amount", flat=True)) == Decimal("2734400.00")
    assert sorted(set(qs.values_list("amount", flat=True))) == [
        Decimal("800.00"),
        Decimal("900.00"),
    ]
    posted = Settlement.objects.filter(status="posted")
    assert posted.count() == 10
    assert sum(s.total for s in posted) == Decimal("2734400.00")
    assert sum(s.service_count for s in posted) == 3216
    for home_party in {s.home.party for s in posted}:
        assert party_balance("PAYABLE:funeral_fee_waiver", home_party) == Decimal("0.00")
    assert "3216 people" in summary

    # A second run adds nothing.
    demo.run(stdout=io.StringIO(), password="Demo-Password-123")
    assert ServiceRecord.objects.count() == 3216
    assert Settlement.objects.count() == 10
