"""Sign-ups under concurrency, on PostgreSQL with real threads."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from minzheng.volunteers import services
from minzheng.volunteers.models import Shift, SignUp

from .conftest import at

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="needs PostgreSQL row locks"
)


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """A transactional test flushes every table afterwards, the migrations' rows included:
    load the divisions and parameters again when they are gone."""
    from pathlib import Path

    from minzheng.core.models import Division
    from minzheng.core.services import divisions_load_file

    if not Division.objects.filter(code="440605124073").exists():
        Division.objects.update_or_create(
            code="440000000000", defaults={"name": "广东省", "level": "province", "parent_id": None}
        )
        Division.objects.update_or_create(
            code="440600000000",
            defaults={"name": "佛山市", "level": "city", "parent_id": "440000000000"},
        )
        divisions_load_file(
            path=Path(__file__).resolve().parents[2] / "core" / "fixtures" / "divisions_nanhai.csv"
        )
    services.parameters_ensure_defaults()


def _race(jobs) -> list:
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except ValidationError as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_one_volunteer_cannot_be_booked_on_two_overlapping_shifts_at_once(
    organiser, activity, make_volunteer
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
    _race([lambda s=s: services.signup_create(actor=None, volunteer=v, shift=s) for s in shifts])
    assert SignUp.objects.filter(volunteer=v, status=SignUp.Status.CONFIRMED).count() == 1
    assert (
        sum(Shift.objects.filter(pk__in=[s.pk for s in shifts]).values_list("taken", flat=True))
        == 1
    )


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_last_places_are_taken_once(activity, make_volunteer):
    shift = Shift.objects.get()  # 2 places
    vols = [make_volunteer() for _ in range(8)]
    results = _race(
        [lambda v=v: services.signup_create(actor=None, volunteer=v, shift=shift) for v in vols]
    )
    assert sum(isinstance(r, SignUp) for r in results) == 2
    assert SignUp.objects.filter(shift=shift, status=SignUp.Status.CONFIRMED).count() == 2
    shift.refresh_from_db()
    assert shift.taken == 2
