"""Fixtures: an organiser, registry persons, volunteers and a published activity."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from django.utils import timezone

from minzheng.registry.demo import make_id_number, make_phone
from minzheng.registry.models import Person
from minzheng.registry.names import random_name
from minzheng.registry.services import PersonInput, person_build
from minzheng.volunteers import services
from minzheng.volunteers.apps import ORGANISER
from minzheng.volunteers.models import Activity

SHISHAN = "440605124000"
LUOCUN = "440605124073"
_seq = itertools.count(1)


@pytest.fixture
def organiser(make_staff):
    return make_staff("volunteer_organiser", ORGANISER, SHISHAN)


@pytest.fixture
def make_person(db):
    rng = random.Random(7)

    def make(name: str | None = None, community: str = LUOCUN, phone: str | None = None) -> Person:
        n = next(_seq)
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=n * 37)
        sex = "M" if n % 2 else "F"
        person, errors = person_build(
            PersonInput(
                name=name or random_name(rng, sex),
                id_number=make_id_number(rng, birth, sex),
                phone=phone or make_phone(rng),
                residence_division_code=community,
            )
        )
        assert not errors
        person.save()
        return person

    return make


@pytest.fixture
def make_volunteer(make_person, organiser):
    def make(
        *,
        party: bool = False,
        skills=("测温", "引导"),
        lat=None,
        lon=None,
        community: str = LUOCUN,
        **kw,
    ):
        person = make_person(community=community, **kw)
        return services.volunteer_register(
            actor=organiser,
            person=person,
            data=services.VolunteerInput(
                is_party_member=party,
                skills=tuple(skills),
                home_division_code=community,
                lat=lat,
                lon=lon,
            ),
        )

    return make


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """A local time `days` from today."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def activity(organiser):
    a = services.activity_create(
        actor=organiser,
        title="罗村核酸检测点志愿服务",
        division_code=LUOCUN,
        organiser="罗村社区党委",
    )
    site = services.site_add(
        actor=organiser, activity=a, name="罗村社区检测点", lat=23.08, lon=113.03
    )
    post = services.post_add(actor=organiser, site=site, role="测温", required_skill="测温")
    services.shift_add(actor=organiser, post=post, starts_at=at(3, 8), ends_at=at(3, 12), needed=2)
    services.activity_publish(actor=organiser, activity=a)
    return Activity.objects.get(pk=a.pk)
