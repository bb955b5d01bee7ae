"""Respite limits under concurrent enrolment, on PostgreSQL with real threads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from minzheng.welfare import services
from minzheng.welfare.models import RespiteEnrolment, RespiteFamilyYear, RespiteSession

from .test_respite import session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_last_places_of_a_session_are_not_oversold(officer, make_family, run_concurrently):
    s = session(officer, capacity=3)
    families = [make_family() for _ in range(8)]

    def enrol(i):
        household, _parent, (kid,) = families[i]
        return services.enrolment_create(
            actor=officer, session=s, household_id=household.pk, child_id=kid.pk
        )

    results = run_concurrently(enrol, 8)

    won = [r for r in results if isinstance(r, RespiteEnrolment)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(won), len(refused)) == (3, 5)
    assert all(
        r.message_dict["session"] == ["该场次已满（3 名），请选择其他场次。"] for r in refused
    )
    assert RespiteSession.objects.get(pk=s.pk).taken == 3
    assert RespiteEnrolment.objects.filter(session=s).count() == 3


def test_family_yearly_hours_hold_under_concurrent_enrolments(
    officer, make_family, run_concurrently
):
    """40 of the family's 48 hours are booked; six 8-hour sessions at once: one fits."""
    household, _parent, kids = make_family(children=6)
    booked = [session(officer, day=dt.date(2021, 4, 1 + i), title=f"已报{i}") for i in range(5)]
    for s in booked:
        services.enrolment_create(
            actor=officer, session=s, household_id=household.pk, child_id=kids[0].pk
        )
    racing = [session(officer, day=dt.date(2021, 6, 1 + i), title=f"并发{i}") for i in range(6)]

    def enrol(i):
        return services.enrolment_create(
            actor=officer, session=racing[i], household_id=household.pk, child_id=kids[i].pk
        )

    results = run_concurrently(enrol, 6)

    won = [r for r in results if isinstance(r, RespiteEnrolment)]
    assert len(won) == 1, results
    assert all(isinstance(r, ValidationError) for r in results if r not in won)
    row = RespiteFamilyYear.objects.get(household=household, year=2021)
    assert row.hours == Decimal("48.0")
    counted = sum(
        e.hours
        for e in RespiteEnrolment.objects.filter(household=household, year=2021).exclude(
            state="cancelled"
        )
    )
    assert counted == row.hours
    # The refused enrolments gave their session places back.
    assert (
        sum(
            RespiteSession.objects.filter(pk__in=[s.pk for s in racing]).values_list(
                "taken", flat=True
            )
        )
        == 1
    )
