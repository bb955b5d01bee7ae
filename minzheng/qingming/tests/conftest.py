"""Qingming fixtures: a cemetery with two gates and a car park, a season in progress
(booking open, days from yesterday to next week), residents and cemetery staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minzheng.qingming import params as qparams
from minzheng.qingming import services
from minzheng.qingming.models import CarPark, Cemetery, Gate, Season, Slot
from minzheng.registry import pii, validators

from .factories import GUICHENG, JIUJIANG, id_number


@pytest.fixture(autouse=True)
def _fresh_params_and_cache():
    from django.core.cache import cache

    qparams.clear_cache()
    cache.clear()
    yield
    qparams.clear_cache()


@pytest.fixture
def divisions(db):
    """The division tree: loaded by a migration, but transactional tests flush it."""
    from pathlib import Path

    from minzheng.core.models import Division
    from minzheng.core.services import divisions_load_file

    if not Division.objects.filter(code=JIUJIANG).exists():
        Division.objects.update_or_create(
            code="440000000000", defaults={"name": "广东省", "level": "province"}
        )
        Division.objects.update_or_create(
            code="440600000000",
            defaults={"name": "佛山市", "level": "city", "parent_id": "440000000000"},
        )
        divisions_load_file(
            path=Path(__file__).resolve().parents[2] / "core" / "fixtures" / "divisions_nanhai.csv"
        )


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def season(db, today):
    return Season.objects.create(
        year=2090,
        name="测试祭扫季",
        qingming_at=timezone.now(),
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=7),
        booking_opens_at=timezone.now() - dt.timedelta(days=3),
    )


@pytest.fixture
def cemetery(divisions):
    c = Cemetery.objects.create(name="测试公墓", division_id=GUICHENG, max_inside=100)
    Gate.objects.create(cemetery=c, name="东门")
    Gate.objects.create(cemetery=c, name="西门")
    CarPark.objects.create(cemetery=c, name="停车场", capacity=10)
    return c


@pytest.fixture
def other_cemetery(divisions):
    c = Cemetery.objects.create(name="九江测试公墓", division_id=JIUJIANG, max_inside=100)
    Gate.objects.create(cemetery=c, name="南门")
    return c


@pytest.fixture
def gate(cemetery):
    return cemetery.gates.order_by("pk").first()


@pytest.fixture
def make_slot(season, cemetery, today):
    def make(
        *, day: dt.date | None = None, start: int = 10, capacity: int = 10, cars: int = 3, cem=None
    ) -> Slot:
        return Slot.objects.create(
            season=season,
            cemetery=cem or cemetery,
            date=day or today + dt.timedelta(days=1),
            starts_at=dt.time(start),
            ends_at=dt.time(start + 2),
            capacity=capacity,
            car_capacity=cars,
        )

    return make


@pytest.fixture
def slot(make_slot):
    return make_slot()


@pytest.fixture
def make_resident(db):
    from minzheng.core.models import User
    from minzheng.portal.models import ResidentProfile

    def make(phone: str = "13800138000", real_name: str = "", id_num: str = ""):
        user = User.objects.create(username=f"r-{phone}", kind=User.Kind.RESIDENT)
        ResidentProfile.objects.create(
            user=user,
            phone=phone,
            phone_hash=pii.blind_index(phone, kind="phone"),
            phone_masked=validators.mask_phone(phone),
            real_name=real_name,
            id_number=id_num,
            id_number_hash=pii.blind_index(id_num, kind="id") if id_num else None,
            id_number_masked=validators.mask_id_number(id_num) if id_num else "",
        )
        return user

    return make


@pytest.fixture
def resident(make_resident):
    return make_resident()


@pytest.fixture
def staff(divisions, make_staff):
    from minzheng.qingming.roles import CEMETERY_STAFF

    return make_staff("cemetery_staff", CEMETERY_STAFF, "440605000000")


@pytest.fixture
def book(resident):
    """book(slot, party=1, id_num=None, actor=resident, plate="") -> Reservation"""

    def make(
        slot, party: int = 1, id_num: str | None = None, actor=None, plate: str = "", now=None, **kw
    ):
        r, _created = services.reservation_create(
            actor=actor or resident,
            slot_id=slot.pk,
            visitor=services.VisitorInput(
                name="陈秀英", id_number=id_num or id_number(), party_size=party, plate=plate
            ),
            now=now,
            **kw,
        )
        return r

    return make
