"""Fixtures of the programmes' tests: defaults, staff of each programme role, funded budgets."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.programs import postings
from minzheng.programs.roles import PROGRAMS_DISTRICT, PROGRAMS_TOWN
from minzheng.programs.services import ApplicationInput
from minzheng.registry.validators import check_character, uscc_check_character

GUICHENG = "440605011000"
GUICHENG_COMMUNITY = "440605011001"
JIUJIANG = "440605121000"
DISTRICT = "440605000000"
D1 = dt.date(2021, 3, 2)
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64
_seq = itertools.count(100)


def id_number(birth: str = "19800101") -> str:
    first17 = f"440605{birth}{next(_seq) % 1000:03d}"
    return first17 + check_character(first17)


def uscc(first17: str = "91440605MA4UJ6KX0") -> str:
    return first17 + uscc_check_character(first17)


def upload(name: str = "doc.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


@pytest.fixture(autouse=True)
def _ledger_balanced(request):
    """After every test that touched the database, the ledger still balances."""
    yield
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        from minzheng.ledger import selectors as ledger_q

        assert ledger_q.trial_balance_ok()


@pytest.fixture
def programmes(db):
    from minzheng.programs.setup import ensure_defaults

    return ensure_defaults()


@pytest.fixture
def town_worker(make_staff, programmes):
    return make_staff("gc_case", PROGRAMS_TOWN, GUICHENG)


@pytest.fixture
def town_worker_2(make_staff, programmes):
    return make_staff("gc_case2", PROGRAMS_TOWN, GUICHENG)


@pytest.fixture
def jiujiang_case(make_staff, programmes):
    return make_staff("jj_case", PROGRAMS_TOWN, JIUJIANG)


@pytest.fixture
def officer(make_staff, programmes):
    return make_staff("district_programs", PROGRAMS_DISTRICT, DISTRICT)


@pytest.fixture
def funded(officer, programmes):
    """Every programme's budget for 2021 and the current year, and Guicheng's reserve."""
    today = dt.date.today()
    for p in programmes.values():
        for year in {2021, today.year}:
            postings.fund_budget(
                actor=officer,
                programme=p,
                year=year,
                amount=Decimal("100000"),
                on=dt.date(year, 1, 4),
            )
    postings.fund_reserve(
        actor=officer,
        town_code=GUICHENG,
        town_name="桂城街道",
        amount=Decimal("20000"),
        on=dt.date(2021, 1, 4),
    )
    return programmes


def ta_input(**overrides) -> ApplicationInput:
    facts = {
        "category": "emergency",
        "cause": "fire",
        "event_date": "2021-03-01",
        "household_size": 3,
        "monthly_income_per_person": "800",
        "description": "家中失火",
    }
    facts.update(overrides.pop("facts", {}))
    base = dict(
        programme_code="temporary_assistance",
        division_code=GUICHENG_COMMUNITY,
        applicant_name="陈大文",
        applicant_id_number=id_number(),
        phone="13912345678",
        facts=facts,
        bank_name="南海农商银行",
        bank_account="6229000012345678",
    )
    base.update(overrides)
    return ApplicationInput(**base)


def attach_all(actor, application):
    from minzheng.programs.services import document_add

    for doc in application.programme.documents_required:
        document_add(actor=actor, application=application, upload=upload(), kind=doc["kind"])


def to_review(app, worker, worker2, on=D1):
    """Accept, visit (two staff), publicise and end publicity: the case waits for approval."""
    from minzheng.programs import services as svc

    attach_all(worker, app)
    svc.application_accept(actor=worker, application=app, on=on)
    svc.investigation_record(
        actor=worker,
        application=app,
        staff_2=worker2,
        visited_on=on,
        household_check="无存款、无车辆",
        findings="房屋烧毁，需临时安置",
    )
    svc.application_publicise(actor=worker, application=app, on=on)
    svc.publicity_end(actor=worker, application=app, on=app.publicity_end + dt.timedelta(days=1))
    return app
