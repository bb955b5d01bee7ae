"""Fixtures of the funeral tests: the programme, a funded budget, two homes with staff."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from minzheng.funeral import roles
from minzheng.funeral.services import ServiceInput
from minzheng.registry.validators import check_character

DISTRICT = "440605000000"
GUICHENG = "440605011000"
SHISHAN = "440605124000"
JIUJIANG = "440605121000"
_seq = itertools.count(1)

BASIC = {
    "transport": 1,
    "disinfection": 1,
    "storage": 1,
    "cremation": 1,
    "ash_storage": 1,
    "urn": 1,
}  # 800 元


def id_number(prefix: str = "440605", birth: str = "19400101") -> str:
    first17 = f"{prefix}{birth}{next(_seq) % 1000:03d}"
    return first17 + check_character(first17)


def service_input(home, **overrides) -> ServiceInput:
    base = dict(
        home_id=home.pk,
        deceased_name="陈伯",
        deceased_id_number=id_number(),
        death_date=dt.date(2021, 3, 1),
        service_date=dt.date(2021, 3, 2),
        quantities=dict(BASIC),
        family_contact="陈小明",
    )
    base.update(overrides)
    return ServiceInput(**base)


@pytest.fixture(autouse=True)
def _ledger_balanced(request):
    """After every test that touched the database, the ledger still balances."""
    uses_db = "db" in request.fixturenames or "transactional_db" in request.fixturenames
    if uses_db:  # set the database up first, so it is still there at this fixture's teardown
        request.getfixturevalue(
            "transactional_db" if "transactional_db" in request.fixturenames else "db"
        )
    yield
    if uses_db:
        from minzheng.ledger.selectors import trial_balance_problems

        assert trial_balance_problems() == []


@pytest.fixture
def programme(db):
    from minzheng.funeral.setup import ensure_defaults

    return ensure_defaults()


@pytest.fixture
def officer(make_staff, programme):
    return make_staff("funeral_officer", roles.FUNERAL_OFFICER, DISTRICT)


@pytest.fixture
def funded(officer, programme):
    from minzheng.programs import postings

    for year in {2021, dt.date.today().year}:
        postings.fund_budget(
            actor=officer,
            programme=programme,
            year=year,
            amount=Decimal("100000"),
            on=dt.date(year, 1, 4),
        )
    return programme


@pytest.fixture
def home(officer, funded):
    from minzheng.funeral.services import home_register

    return home_register(actor=officer, name="测试殡仪馆甲", division_code=SHISHAN)


@pytest.fixture
def other_home(officer, funded):
    from minzheng.funeral.services import home_register

    return home_register(actor=officer, name="测试殡仪馆乙", division_code=JIUJIANG)


@pytest.fixture
def home_staff(make_staff, officer, home):
    from minzheng.funeral.services import home_staff_link

    user = make_staff("home_staff_a", roles.FUNERAL_HOME_STAFF, DISTRICT)
    home_staff_link(actor=officer, home=home, user=user)
    return user


@pytest.fixture
def other_staff(make_staff, officer, other_home):
    from minzheng.funeral.services import home_staff_link

    user = make_staff("home_staff_b", roles.FUNERAL_HOME_STAFF, DISTRICT)
    home_staff_link(actor=officer, home=other_home, user=user)
    return user
