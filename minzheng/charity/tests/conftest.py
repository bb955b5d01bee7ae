"""Fixtures of the charity tests: 南海慈善会 (桂城) with two staff, another organisation in
九江 with its own staff, an open campaign and a named fund."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from minzheng.charity import roles, services
from minzheng.registry.validators import uscc_check_character

GUICHENG = "440605011000"
JIUJIANG = "440605121000"
START = dt.date(2021, 5, 1)
_seq = itertools.count(1)


def credit_code(kind: str = "53") -> str:
    first17 = f"{kind}440605MJ{next(_seq):07d}"[:17]
    return first17 + uscc_check_character(first17)


@pytest.fixture(autouse=True)
def _ledger_balanced(request):
    """After every test that touched the database, the ledger still balances."""
    uses_db = "db" in request.fixturenames or "transactional_db" in request.fixturenames
    if uses_db:
        request.getfixturevalue(
            "transactional_db" if "transactional_db" in request.fixturenames else "db"
        )
    yield
    if uses_db:
        from minzheng.ledger.selectors import trial_balance_problems

        assert trial_balance_problems() == []


@pytest.fixture
def officer(district_officer):
    return district_officer


def make_charity(officer, name: str, division: str, prefix: str):
    from minzheng.registry.services import organisation_register

    org = organisation_register(
        actor=officer,
        name=name,
        kind="social_org",
        division_code=division,
        credit_code=credit_code("51"),
    )
    return services.charity_register(
        actor=officer,
        organisation=org,
        status="recognised",
        recognised_on=dt.date(2017, 3, 1),
        receipt_prefix=prefix,
        public_fundraising=True,
        fundraising_certificate_no="粤民慈公募（南）001",
        fundraising_valid_from=dt.date(2018, 1, 1),
    )


@pytest.fixture
def charity(officer):
    return make_charity(officer, "南海慈善会", GUICHENG, "NHCS")


@pytest.fixture
def other_charity(officer):
    return make_charity(officer, "九江慈善会", JIUJIANG, "JJCS")


@pytest.fixture
def maker(make_staff, charity, officer):
    user = make_staff("charity_maker", roles.CHARITY_STAFF, "440605000000")
    services.charity_staff_link(actor=officer, charity=charity, user=user)
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def checker(make_staff, charity, officer):
    user = make_staff("charity_checker", roles.CHARITY_STAFF, "440605000000")
    services.charity_staff_link(actor=officer, charity=charity, user=user)
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def other_staff(make_staff, other_charity, officer):
    user = make_staff("jj_charity", roles.CHARITY_STAFF, "440605000000")
    services.charity_staff_link(actor=officer, charity=other_charity, user=user)
    return type(user).objects.get(pk=user.pk)


def open_campaign(
    actor, charity, title="你我同心齐防疫", *, starts=START, ends=dt.date(2021, 12, 31)
):
    c = services.campaign_create(
        actor=actor,
        charity=charity,
        data=services.CampaignInput(
            kind="fundraising",
            title=title,
            purpose="疫情防控物资与慰问医护人员",
            starts_on=starts,
            ends_on=ends,
            channels="银行转账、现场捐赠、网上支付",
            target="500000",
        ),
    )
    services.campaign_move(
        actor=actor, campaign=c, name="file", filing_number="53440605MJ0001-2021-01"
    )
    services.campaign_move(actor=actor, campaign=c, name="open", on=starts)
    return c


@pytest.fixture
def campaign(maker, charity):
    return open_campaign(maker, charity)


@pytest.fixture
def fund(maker, charity):
    return services.fund_create(
        actor=maker,
        charity=charity,
        data=services.FundInput(
            name="龙大慈善基金",
            founder_name="某建设有限公司",
            agreement_signed_on=dt.date(2021, 5, 20),
            purposes="疫情防控物资、慰问医护人员",
        ),
    )


def gift(
    actor, *, amount="100.00", campaign=None, fund=None, on=dt.date(2021, 6, 1), key=None, **kw
):
    data = services.DonationInput(
        amount=amount,
        method=kw.pop("method", "bank_transfer"),
        donor_name=kw.pop("donor_name", "陈大文"),
        donor_kind=kw.pop("donor_kind", "person"),
        received_on=on,
        campaign_id=campaign.pk if campaign else None,
        fund_id=fund.pk if fund else None,
        **kw,
    )
    return services.donation_record(actor=actor, data=data, idempotency_key=key)[0]


def spend(
    actor, *, amount, campaign=None, fund=None, purpose="supplies", on=dt.date(2021, 6, 10), **kw
):
    return services.spending_request(
        actor=actor,
        data=services.SpendingInput(
            purpose=purpose,
            description=kw.pop("description", "采购口罩"),
            amount=amount,
            payee_name=kw.pop("payee_name", "南海医药公司"),
            spent_on=on,
            campaign_id=campaign.pk if campaign else None,
            fund_id=fund.pk if fund else None,
            **kw,
        ),
    )


D = Decimal


@pytest.fixture(autouse=True)
def _clear_cache():
    """The donor-count cache is keyed by a campaign's newest donation id; test databases
    reuse ids after each rollback, a real one never reuses committed ids."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
