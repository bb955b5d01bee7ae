"""What a visitor sees of the seasons: a closed season shows as closed with its opening
time (no slot buttons, no form), an open one its slots; dates need no sign-in; the demo
gives a newcomer practice slots open on the day it is loaded; cancelling asks first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from minzheng.qingming.models import Season, Slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_season(db, today):
    return Season.objects.create(
        year=2091,
        name="未开放祭扫季",
        qingming_at=timezone.now() + dt.timedelta(days=120),
        starts_on=today + dt.timedelta(days=110),
        ends_on=today + dt.timedelta(days=125),
        booking_opens_at=dt.datetime(2091, 3, 19, 9, 0, tzinfo=dt.UTC),
    )


def test_closed_season_shows_its_opening_time_and_no_slot_buttons(
    client, closed_season, cemetery, resident
):
    slot = Slot.objects.create(
        season=closed_season,
        cemetery=cemetery,
        date=closed_season.starts_on,
        starts_at=dt.time(9),
        ends_at=dt.time(11),
        capacity=10,
        car_capacity=3,
    )
    client.force_login(resident)

    page = client.get(reverse("qingming:book_slot", args=[cemetery.pk])).content.decode()
    assert "尚未开放预约，将于 2091年3月19日 17:00 开放。" in page
    assert f'data-testid="slot-{slot.pk}"' not in page

    form_page = client.get(reverse("qingming:book_form", args=[slot.pk])).content.decode()
    assert "尚未开放预约，将于 2091年3月19日 17:00 开放。" in form_page
    assert 'name="id_number"' not in form_page


def test_open_season_offers_its_slots(client, season, slot, resident):
    client.force_login(resident)
    page = client.get(reverse("qingming:book_slot", args=[slot.cemetery_id])).content.decode()
    assert "正在开放预约" in page and f'data-testid="slot-{slot.pk}"' in page
    assert (
        'name="id_number"'
        in client.get(reverse("qingming:book_form", args=[slot.pk])).content.decode()
    )


def test_anonymous_visitor_sees_dates_and_opening_time(client, closed_season, cemetery):
    for url in (
        reverse("qingming:portal_home"),
        reverse("qingming:book_cemetery"),
        reverse("qingming:book_slot", args=[cemetery.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "祭扫日期：" in page and "将于 2091年3月19日 17:00 开放" in page, url
    assert (
        client.get(reverse("qingming:portal_home")).content.decode().count("登录后查看我的预约")
        == 1
    )


def test_cancel_button_asks_first_and_names_the_action(client, season, slot, resident, book):
    r = book(slot)
    client.force_login(resident)
    page = client.get(reverse("qingming:portal_booking", args=[r.code])).content.decode()
    assert 'data-confirm="确定取消' in page and "的祭扫预约吗？取消后名额将让给其他人。" in page
    assert ">取消预约</button>" in page


def test_demo_practice_season_is_open_today_and_idempotent(admin_user, divisions):
    from minzheng.qingming import demo

    demo._cemeteries()
    first = demo._practice_season(admin_user)
    assert "新建" in first
    season = Season.objects.get(name=demo.PRACTICE_NAME)
    today = timezone.localdate()
    assert season.is_illustrative
    assert season.starts_on == today and season.ends_on == today + dt.timedelta(days=6)
    assert season.booking_opens_at <= timezone.now()
    count = Slot.objects.filter(season=season).count()
    assert count == 7 * 7 * 5  # 7 cemeteries × 7 days × 5 template slots
    demo._practice_season(admin_user)
    assert Season.objects.filter(name=demo.PRACTICE_NAME).count() == 1
    assert Slot.objects.filter(season=season).count() == count
