import datetime as dt
from decimal import Decimal

import pytest

from minzheng.charity import demo, selectors
from minzheng.charity.models import Campaign, Charity, Donation, Receipt, Spending

pytestmark = pytest.mark.django_db


def test_demo_figures_come_from_the_records_and_a_second_run_adds_nothing(district_officer):
    from minzheng.core import roles

    roles.sync_roles()
    first = demo.run(stdout=None, password="Test-Password-123")
    charity = Charity.objects.get(is_demo=True)
    counts = (Donation.objects.count(), Receipt.objects.count(), Spending.objects.count())
    appeal = Campaign.objects.get(title=demo.APPEAL)
    by_16_june = selectors.campaign_figures(appeal, as_of=dt.date(2021, 6, 16))
    assert by_16_june.raised == Decimal("530000.00")
    assert sum(appeal.donations.values_list("amount", flat=True)) == Decimal("530000.00")
    assert appeal.state == "reported" and appeal.disclosures.get().figures["raised"] == "530000.00"
    fund = charity.funds.get(name="龙大慈善基金")
    st = selectors.fund_statement(fund)
    assert (st.received, st.spent) == (Decimal("100000.00"), Decimal("65000.00"))
    assert {s["purpose"] for s in st.spendings} == {"supplies", "medical_staff"}
    assert fund.founder_user.username == "charity_founder"
    school = Campaign.objects.get(title__contains="罗定市围底镇中心小学")
    assert selectors.campaign_figures(school).beneficiaries == 113
    money = Donation.objects.exclude(method="in_kind").count()
    assert Receipt.objects.filter(voided_at__isnull=True).count() == money
    assert demo.run(stdout=None, password="Test-Password-123") == first
    assert (Donation.objects.count(), Receipt.objects.count(), Spending.objects.count()) == counts
