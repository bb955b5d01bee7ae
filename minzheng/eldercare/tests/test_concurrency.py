"""One elder admitted by two institutions at once, and the same month claimed twice at
once, on PostgreSQL with real threads: one wins, nothing is doubled."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from minzheng.eldercare import roles, services
from minzheng.eldercare.models import Assessment, ClaimLine, ClaimRun, Residency
from minzheng.programs.models import Application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_one_elder_admitted_by_two_institutions_at_once(
    run_concurrently, home_a, home_b, make_elder, admit
):
    elder = make_elder()
    results = run_concurrently.calls([lambda: admit(home_a, elder), lambda: admit(home_b, elder)])
    assert sorted(type(r).__name__ for r in results) == ["Residency", "ValidationError"]
    refused = next(r for r in results if isinstance(r, ValidationError))
    assert "不能同时入住两家机构" in refused.messages[0]
    assert Residency.objects.filter(person=elder, discharged_on__isnull=True).count() == 1
    assert Assessment.objects.filter(person=elder).count() == 1


def test_many_admissions_of_the_same_elder_leave_one_open_stay(
    run_concurrently, make_institution, make_elder, admit
):
    homes = [make_institution(name=f"护养院{i}") for i in range(4)]
    elder = make_elder()
    results = run_concurrently(lambda i: admit(homes[i], elder), 4)
    assert sum(isinstance(r, Residency) for r in results) == 1
    assert Residency.objects.filter(person=elder).count() == 1


def test_the_same_month_claimed_twice_at_once(
    run_concurrently, home_a, make_elder, admit, officer, funded, make_staff
):
    admit(home_a, make_elder())
    officer_2 = make_staff("eldercare_officer_2", roles.ELDERCARE_OFFICER, "440605000000")
    month, on = dt.date(2021, 4, 1), dt.date(2021, 5, 6)
    results = run_concurrently.calls(
        [
            lambda: services.claim_run(actor=officer, month=month, on=on),
            lambda: services.claim_run(actor=officer_2, month=month, on=on),
        ]
    )
    assert sorted(type(r).__name__ for r in results) == ["ClaimRun", "ValidationError"]
    assert ClaimRun.objects.count() == 1
    assert ClaimLine.objects.count() == 1
    assert Application.objects.filter(programme__code="eldercare_operating").count() == 1
