"""Sign-ups under concurrency, on PostgreSQL with real threads."""

from __future__ import annotations

import pytest
from django.db import connection

from minzheng.core.services import parameters_ensure_defaults
from minzheng.volunteers import rules as volunteer_rules
from minzheng.volunteers import services
from minzheng.volunteers.models import Shift, SignUp

from .conftest import at


@pytest.fixture(autouse=True)
def _parameters(transactional_db):
    """A transactional test flushes the migrations' rows too: the default parameters again
    (the root conftest reloads the divisions)."""
    parameters_ensure_defaults(volunteer_rules.PARAMETER_DEFAULTS)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_volunteer_cannot_be_booked_on_two_overlapping_shifts_at_once(
    run_concurrently, organiser, activity, make_volunteer
):
    assert connection.vendor == "postgresql"
    v = make_volunteer()
    post = activity.posts.get()
    shifts = [
        services.shift_add(
            actor=organiser,
            post=services.post_add(
                actor=organiser, site=post.site, role="测温", required_skill="测温"
            ),
            starts_at=at(6, 8 + i % 2),
            ends_at=at(6, 10 + i % 2),
            needed=5,
        )
        for i in range(6)
    ]
    run_concurrently.calls(
        [lambda s=s: services.signup_create(actor=None, volunteer=v, shift=s) for s in shifts]
    )
    assert SignUp.objects.filter(volunteer=v, status=SignUp.Status.CONFIRMED).count() == 1
    assert (
        sum(Shift.objects.filter(pk__in=[s.pk for s in shifts]).values_list("taken", flat=True))
        == 1
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_last_places_are_taken_once(run_concurrently, activity, make_volunteer):
    shift = Shift.objects.get()  # 2 places
    vols = [make_volunteer() for _ in range(8)]
    results = run_concurrently.calls(
        [lambda v=v: services.signup_create(actor=None, volunteer=v, shift=shift) for v in vols]
    )
    assert sum(isinstance(r, SignUp) for r in results) == 2
    assert SignUp.objects.filter(shift=shift, status=SignUp.Status.CONFIRMED).count() == 2
    shift.refresh_from_db()
    assert shift.taken == 2
