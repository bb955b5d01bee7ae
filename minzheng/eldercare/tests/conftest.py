"""Fixtures of the elderly-care tests: the officer, two private institutions in two towns,
elders, a funded budget."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from minzheng.eldercare import roles
from minzheng.registry.validators import check_character, uscc_check_character

DISTRICT = "440605000000"
GUICHENG = "440605011000"
JIUJIANG = "440605121000"
_seq = itertools.count(1)


def id_number(birth: str = "19400101") -> str:
    first17 = f"440605{birth}{next(_seq) % 1000:03d}"
    return first17 + check_character(first17)


def credit_code() -> str:
    first17 = f"52440605MJ{next(_seq):07d}"
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
def defaults(db):
    from minzheng.eldercare.setup import ensure_defaults

    return ensure_defaults()


@pytest.fixture
def officer(make_staff, defaults):
    return make_staff("eldercare_officer", roles.ELDERCARE_OFFICER, DISTRICT)


@pytest.fixture
def make_institution(officer):
    from minzheng.eldercare.services import InstitutionInput, institution_register

    def make(name="桂城颐康护养院", division=GUICHENG, beds=50, nursing=20, grade=4, **kw):
        data = InstitutionInput(
            name=name,
            division_code=division,
            ownership=kw.pop("ownership", "private"),
            beds_total=beds,
            beds_nursing=nursing,
            credit_code=kw.pop("credit_code", credit_code()),
            star_grade=grade,
            grade_assessed_on=dt.date(2020, 6, 1) if grade else None,
            grade_body="佛山市养老机构等级评定委员会" if grade else "",
            bank_name="农商银行",
            bank_account="6228000011112222",
            **kw,
        )
        return institution_register(actor=officer, data=data)

    return make


@pytest.fixture
def home_a(make_institution):
    return make_institution()


@pytest.fixture
def home_b(make_institution):
    return make_institution(name="九江康乐颐养院", division=JIUJIANG, grade=None)


@pytest.fixture
def make_elder(officer):
    from minzheng.registry.services import PersonInput, person_register

    def make(name="陈伯", division=GUICHENG, birth="19400101"):
        return person_register(
            actor=officer,
            data=PersonInput(
                name=name, residence_division_code=division, id_number=id_number(birth)
            ),
        )

    return make


@pytest.fixture
def admit(officer):
    from minzheng.eldercare.services import AdmissionInput, admission_create

    def do(institution, person, on=dt.date(2021, 1, 5), level=3, assessed=None, actor=None, **kw):
        return admission_create(
            actor=actor or officer,
            data=AdmissionInput(
                institution_id=institution.pk,
                person_id=person.pk,
                admitted_on=on,
                level=level,
                assessed_on=assessed or on,
                **kw,
            ),
        )

    return do


@pytest.fixture
def funded(officer):
    from minzheng.eldercare import rules
    from minzheng.eldercare.services import budget_fund

    for year in (2021, 2022, 2026):
        budget_fund(
            actor=officer,
            programme_code=rules.OPERATING_PROGRAMME,
            year=year,
            amount=Decimal("1000000"),
            on=dt.date(year, 1, 2),
        )


@pytest.fixture
def staff_a(make_staff, officer, home_a):
    from minzheng.eldercare.services import institution_staff_link

    user = make_staff("institution_staff", roles.INSTITUTION_STAFF, DISTRICT)
    institution_staff_link(actor=officer, institution=home_a, user=user)
    return user
