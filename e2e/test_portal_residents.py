"""The resident portal as residents meet it on a phone (issue #21, residents' part): axe
finds no serious or critical violation on any portal page in standard and elder mode;
elder mode keeps a one-line header and no text under 18 px; the entry QR code fits its
card at 200 % zoom; town → community narrows with JavaScript; a closed season shows no
slot buttons."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[1] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
# 200 % browser zoom on that phone: half the CSS pixels across, twice the device pixels.
PHONE_200 = {**PHONE, "viewport": {"width": 195, "height": 422}, "device_scale_factor": 4}


def _id_number(n: int) -> str:
    from minzheng.registry.validators import check_character

    first17 = f"44060519580302{n:03d}"
    return first17 + check_character(first17)


@pytest.fixture
def world(divisions, make_staff):
    """A bound resident with a booking, a volunteer sign-up and an application; an open
    and a closed season; a rescue station with a published notice."""
    from django.utils import timezone

    from minzheng.core import roles
    from minzheng.core.services import parameters_ensure_defaults
    from minzheng.portal.services import resident_bind_id_number
    from minzheng.portal.tests.factories import resident
    from minzheng.programs import services as programs
    from minzheng.programs.setup import ensure_defaults
    from minzheng.qingming import params
    from minzheng.qingming import services as qingming
    from minzheng.qingming.models import Cemetery, Gate, Season, Slot
    from minzheng.registry.services import PersonInput, person_build
    from minzheng.rescue.models import Station
    from minzheng.volunteers import rules as volunteer_rules
    from minzheng.volunteers import services as volunteers
    from minzheng.volunteers.apps import ORGANISER

    params.clear_cache()
    roles.sync_roles()
    ensure_defaults()  # a transactional test flushed the migrations' parameter rows
    parameters_ensure_defaults(volunteer_rules.PARAMETER_DEFAULTS)
    now, today = timezone.now(), timezone.localdate()
    open_season = Season.objects.create(
        year=2090,
        name="测试祭扫季",
        qingming_at=now,
        starts_on=today,
        ends_on=today + dt.timedelta(days=5),
        booking_opens_at=now - dt.timedelta(days=1),
    )
    closed = Season.objects.create(
        year=2091,
        name="下一个祭扫季",
        qingming_at=now + dt.timedelta(days=120),
        starts_on=today + dt.timedelta(days=110),
        ends_on=today + dt.timedelta(days=125),
        booking_opens_at=now + dt.timedelta(days=100),
    )
    cemetery = Cemetery.objects.create(
        name="桂城测试公墓", division_id="440605011000", max_inside=500
    )
    Gate.objects.create(cemetery=cemetery, name="东门")
    slot = Slot.objects.create(
        season=open_season,
        cemetery=cemetery,
        date=today + dt.timedelta(days=1),
        starts_at=dt.time(9),
        ends_at=dt.time(11),
        capacity=20,
        car_capacity=5,
    )
    closed_slot = Slot.objects.create(
        season=closed,
        cemetery=cemetery,
        date=closed.starts_on,
        starts_at=dt.time(9),
        ends_at=dt.time(11),
        capacity=20,
        car_capacity=5,
    )
    Station.objects.create(
        name="南海区救助管理站", division_id="440605000000", phone="0757-00000000"
    )

    organiser = make_staff("volunteer_organiser", ORGANISER, "440605124000")
    number = _id_number(7)
    person, errors = person_build(
        PersonInput(name="梁嘉欣", id_number=number, residence_division_code="440605124073")
    )
    assert not errors
    person.save()
    user = resident("13900002222")
    resident_bind_id_number(user=user, real_name="梁嘉欣", id_number=number)
    volunteer = volunteers.volunteer_register(
        actor=organiser,
        person=person,
        data=volunteers.VolunteerInput(skills=("测温",), home_division_code="440605124073"),
    )
    activity = volunteers.activity_create(
        actor=organiser,
        title="罗村社区检测点志愿服务",
        division_code="440605124073",
        organiser="罗村社区党委",
    )
    site = volunteers.site_add(actor=organiser, activity=activity, name="罗村社区检测点")
    post = volunteers.post_add(actor=organiser, site=site, role="测温", required_skill="测温")
    start = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=3), dt.time(8)))
    shift = volunteers.shift_add(
        actor=organiser, post=post, starts_at=start, ends_at=start + dt.timedelta(hours=4), needed=2
    )
    volunteers.activity_publish(actor=organiser, activity=activity)
    volunteers.signup_create(actor=user, volunteer=volunteer, shift=shift)

    booking, _ = qingming.reservation_create(
        actor=user,
        slot_id=slot.pk,
        notify=False,
        visitor=qingming.VisitorInput(name="梁嘉欣", id_number=number, party_size=1),
    )
    application = programs.application_submit(
        actor=user,
        resident=user,
        data=programs.ApplicationInput(
            programme_code="temporary_assistance",
            division_code="440605011001",
            applicant_name="梁嘉欣",
            applicant_id_number=number,
            bank_account="62220002",
            bank_name="农商行",
            idempotency_key="e2e-residents-1",
            facts={
                "category": "expense",
                "cause": "medical",
                "event_date": today - dt.timedelta(days=10),
                "household_size": 2,
                "monthly_income_per_person": "500",
                "expense": "1800",
                "description": "住院自付",
            },
        ),
    )
    return {
        "user": user,
        "cemetery": cemetery,
        "slot": slot,
        "closed_slot": closed_slot,
        "booking": booking,
        "application": application,
        "activity": activity,
    }


def _portal_urls(w) -> list[str]:
    return [
        "/portal/",
        "/portal/me/",
        "/portal/offices/",
        "/portal/policy/",
        "/portal/qingming/",
        "/portal/qingming/book/",
        f"/portal/qingming/book/{w['cemetery'].pk}/",
        f"/portal/qingming/book/slot/{w['slot'].pk}/",
        f"/portal/qingming/book/slot/{w['closed_slot'].pk}/",
        f"/portal/qingming/bookings/{w['booking'].code}/",
        "/portal/qingming/proxy/",
        "/portal/qingming/memorials/",
        "/portal/programs/",
        "/portal/programs/apply/temporary_assistance/",
        "/portal/programs/apply/education_aid/",
        "/portal/programs/guide/temporary_assistance/",
        "/portal/programs/progress/",
        "/portal/programs/publicity/",
        f"/portal/programs/{w['application'].pk}/",
        "/portal/rescue/",
        "/portal/rescue/report/",
        "/portal/rescue/mine/",
        "/portal/volunteers/",
        "/portal/volunteers/mine/",
        f"/portal/volunteers/activities/{w['activity'].pk}/",
    ]


AXE_RUN = """async () => {
  const r = await axe.run(document);
  if (!r.passes.length) { return ["axe ran no rule"]; }
  return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
}"""


def _axe(page) -> list[str]:
    # Evaluated through the DevTools protocol, which the page's CSP does not govern.
    page.evaluate("() => { " + AXE.read_text(encoding="utf-8") + "\n; window.axe = axe; }")
    return page.evaluate(AXE_RUN)


@pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed (npm ci in frontend/)")
def test_axe_finds_nothing_serious_on_portal_pages_in_both_modes(make_page, force_login, world):
    page = make_page(**PHONE)
    problems = {}
    # Anonymous first (login and the public pages), then signed in.
    for url in ("/portal/", "/portal/login/", "/portal/qingming/", "/portal/programs/progress/"):
        for elder in ("0", "1"):
            page.goto(url)
            page.context.add_cookies([{"name": "mz_elder", "value": elder, "url": page.url}])
            page.reload()
            found = _axe(page)
            if found:
                problems[f"{url} anonymous elder={elder}"] = found
    force_login(page, world["user"])
    for url in _portal_urls(world):
        for elder in ("0", "1"):
            response = page.goto(url)
            page.context.add_cookies([{"name": "mz_elder", "value": elder, "url": page.url}])
            response = page.reload()
            assert response.status == 200, url
            found = _axe(page)
            if found:
                problems[f"{url} elder={elder}"] = found
    assert problems == {}


def test_elder_mode_header_is_one_line_and_no_text_under_18px(make_page, force_login, world):
    page = make_page(**PHONE)
    force_login(page, world["user"])
    page.goto("/portal/")
    page.context.add_cookies([{"name": "mz_elder", "value": "1", "url": page.url}])
    small = {}
    for url in ("/portal/", "/portal/programs/apply/temporary_assistance/", "/portal/qingming/"):
        page.goto(url)
        expect(page.locator("html")).to_have_class("elder")
        header = page.locator("header.mz-header").bounding_box()
        assert header["height"] <= 84, (url, header)  # one line, not a quarter of 844 px
        found = page.evaluate(
            """() => Array.from(document.querySelectorAll('.form-text, .badge, small, .small'))
                 .filter(e => e.checkVisibility() && parseFloat(getComputedStyle(e).fontSize) < 18)
                 .map(e => e.className + ': ' + getComputedStyle(e).fontSize)"""
        )
        if found:
            small[url] = found
    assert small == {}


def test_entry_qr_fits_its_card_at_200_percent_zoom(make_page, force_login, world):
    page = make_page(**PHONE_200)
    force_login(page, world["user"])
    for elder in ("0", "1"):
        page.goto(f"/portal/qingming/bookings/{world['booking'].code}/")
        page.context.add_cookies([{"name": "mz_elder", "value": elder, "url": page.url}])
        page.reload()
        card = page.get_by_test_id("qr").locator("xpath=..").bounding_box()
        qr = page.get_by_test_id("qr").locator("svg").bounding_box()
        assert qr["x"] >= card["x"] and qr["x"] + qr["width"] <= card["x"] + card["width"] + 0.5
        assert abs(qr["width"] - qr["height"]) < 1  # square, not squashed
        # 4 device pixels per CSS pixel: at least 2 device pixels per module of the
        # 33-module code with its border, which a phone camera reads.
        assert qr["width"] * 4 / 37 >= 2, qr
        no_scroll = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert no_scroll


def test_town_then_community_and_closed_season(make_page, force_login, world):
    page = make_page(**PHONE)
    force_login(page, world["user"])
    page.goto("/portal/programs/apply/temporary_assistance/")
    expect(page.get_by_label("身份证号码（统一社会信用代码）")).to_have_value(_id_number(7))
    town = page.get_by_label("所在镇街", exact=True)
    expect(town).to_be_visible()
    town.select_option("九江镇")
    visible = page.evaluate(
        """() => Array.from(document.querySelectorAll('#id_division optgroup'))
             .filter(g => !g.disabled).map(g => g.label)"""
    )
    assert visible == ["九江镇"]

    page.goto(f"/portal/qingming/book/{world['cemetery'].pk}/")
    expect(page.get_by_test_id(f"slot-{world['slot'].pk}")).to_be_visible()
    expect(page.get_by_test_id(f"slot-{world['closed_slot'].pk}")).to_have_count(0)
    expect(page.get_by_text(re.compile("尚未开放预约，将于 .* 开放。"))).to_be_visible()
