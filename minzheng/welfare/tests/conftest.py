"""Fixtures of the welfare tests: staff of the welfare roles, registry persons and
households, a welfare home, a funded allowance budget."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from minzheng.registry.validators import check_character

GUICHENG = "440605011000"
GUICHENG_COMMUNITY = "440605011008"
JIUJIANG = "440605121000"
JIUJIANG_COMMUNITY = "440605121201"
DISTRICT = "440605000000"
_seq = itertools.count(300)


def id_number(birth: str = "19800101") -> str:
    first17 = f"440605{birth}{next(_seq) % 1000:03d}"
    return first17 + check_character(first17)


@pytest.fixture
def officer(make_staff):
    from minzheng.welfare.apps import WELFARE_OFFICER

    return make_staff("welfare_officer", WELFARE_OFFICER, DISTRICT)


@pytest.fixture
def gc_officer(make_staff):
    from minzheng.welfare.apps import WELFARE_OFFICER

    return make_staff("gc_welfare", WELFARE_OFFICER, GUICHENG)


@pytest.fixture
def jj_officer(make_staff):
    from minzheng.welfare.apps import WELFARE_OFFICER

    return make_staff("jj_welfare", WELFARE_OFFICER, JIUJIANG)


@pytest.fixture
def make_person(db, admin_user):
    from minzheng.registry.services import PersonInput, person_register

    def make(name="陈小明", birth="20150301", community=GUICHENG_COMMUNITY, sex="M"):
        number = id_number(birth)
        return person_register(
            actor=admin_user,
            data=PersonInput(
                name=name,
                residence_division_code=community,
                id_number=number,
                sex="",
                birth_date=dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:])),
            ),
        )

    return make


@pytest.fixture
def make_family(admin_user, make_person):
    """make_family(n_children) -> (household, parent, [children])"""
    from minzheng.registry.services import household_add_member, household_create

    counter = itertools.count(1)

    def make(children=1, community=GUICHENG_COMMUNITY):
        n = next(counter)
        parent = make_person(f"李妈妈{n}", "19850505", community, "F")
        household = household_create(
            actor=admin_user, number=f"HH-{community}-{n}", division_code=community, head=parent
        )
        kids = []
        for i in range(children):
            kid = make_person(f"李宝{n}{i}", "20150101", community)
            household_add_member(
                actor=admin_user, household=household, person=kid, relation="child"
            )
            kids.append(kid)
        return household, parent, kids

    return make


@pytest.fixture
def home(officer):
    from minzheng.welfare import services

    return services.home_create(
        actor=officer,
        name="南海区儿童福利院",
        division_code=GUICHENG,
        bank_name="广东南海农村商业银行",
        bank_account="6229000011112222",
    )


@pytest.fixture
def funded(officer, district_officer):
    """The allowance programme exists and its 2021 budget holds 100,000.00 元."""
    from minzheng.programs import postings
    from minzheng.programs.models import Programme
    from minzheng.welfare import services

    services.ensure_defaults()
    programme = Programme.objects.get(code="child_basic_allowance")
    postings.fund_budget(
        actor=district_officer,
        programme=programme,
        year=2021,
        amount=Decimal("100000"),
        on=dt.date(2021, 1, 4),
    )
    return programme


@pytest.fixture(autouse=True)
def _welfare_defaults(request):
    """Transactional tests flush the parameter rows the data migration made: restore them."""
    if "transactional_db" in request.fixturenames or "db" in request.fixturenames:
        from minzheng.welfare import services

        services.ensure_defaults()
