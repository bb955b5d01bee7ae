"""Volunteer sign-up journey on a phone: from the portal to "我报名" in two taps, then the
shift is listed under 我的志愿服务 with the volunteer's QR code; and in elder mode."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def journey(make_staff):
    from django.utils import timezone

    from minzheng.core.services import parameters_ensure_defaults
    from minzheng.portal.services import resident_bind_id_number
    from minzheng.portal.tests.factories import resident
    from minzheng.registry.demo import make_id_number
    from minzheng.registry.services import PersonInput, person_build
    from minzheng.volunteers import rules as volunteer_rules
    from minzheng.volunteers import services
    from minzheng.volunteers.apps import ORGANISER

    parameters_ensure_defaults(
        volunteer_rules.PARAMETER_DEFAULTS
    )  # a transactional test flushes the migration's rows
    organiser = make_staff("volunteer_organiser", ORGANISER, "440605124000")
    number = make_id_number(random.Random(3), dt.date(1980, 5, 1), "F")
    person, errors = person_build(
        PersonInput(
            name="梁嘉欣",
            id_number=number,
            phone="13800001111",
            residence_division_code="440605124073",
        )
    )
    assert not errors
    person.save()
    services.volunteer_register(
        actor=organiser,
        person=person,
        data=services.VolunteerInput(skills=("测温",), home_division_code="440605124073"),
    )
    activity = services.activity_create(
        actor=organiser,
        title="罗村社区检测点志愿服务",
        division_code="440605124073",
        organiser="罗村社区党委",
    )
    site = services.site_add(actor=organiser, activity=activity, name="罗村社区检测点")
    post = services.post_add(actor=organiser, site=site, role="测温", required_skill="测温")
    day = timezone.localdate() + dt.timedelta(days=3)
    start = timezone.make_aware(dt.datetime(day.year, day.month, day.day, 8))
    services.shift_add(
        actor=organiser, post=post, starts_at=start, ends_at=start + dt.timedelta(hours=4), needed=2
    )
    services.activity_publish(actor=organiser, activity=activity)
    user = resident("13900002222")
    resident_bind_id_number(user=user, real_name="梁嘉欣", id_number=number)
    return user


def test_volunteer_signs_up_in_two_taps(phone_page, force_login, journey):
    from minzheng.volunteers.models import SignUp

    page = phone_page
    force_login(page, journey)
    page.goto("/portal/volunteers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("志愿服务")
    page.get_by_role("link", name="罗村社区检测点志愿服务").tap()  # tap 1
    page.get_by_role("button", name="我报名").tap()  # tap 2
    expect(page.get_by_role("status")).to_contain_text("报名成功：已确认")
    expect(page.get_by_text("您已报名")).to_be_visible()
    assert SignUp.objects.get().status == SignUp.Status.CONFIRMED

    page.goto("/portal/volunteers/mine/")
    expect(page.get_by_text("罗村社区检测点 · 测温")).to_be_visible()
    expect(page.locator("svg").first).to_be_visible()
    # Withdrawing names itself (not the sign-out word alone) and asks first.
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.get_by_role("button", name="退出该班次").tap()
    expect(page.get_by_text("罗村社区检测点 · 测温")).to_be_visible()
    assert asked and asked[0].startswith("确定退出“罗村社区检测点志愿服务”")
    assert SignUp.objects.get().status == SignUp.Status.CONFIRMED  # dismissed: nothing done
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="退出该班次").tap()
    expect(page.get_by_role("status")).to_contain_text("已退出该班次。")
    assert SignUp.objects.get().status == SignUp.Status.WITHDRAWN


def test_signup_page_in_elder_mode(phone_page, force_login, journey):
    page = phone_page
    force_login(page, journey)
    page.goto("/portal/volunteers/")
    page.context.add_cookies([{"name": "mz_elder", "value": "1", "url": page.url}])
    page.reload()
    expect(page.locator("html")).to_have_class("elder")
    page.get_by_role("link", name="罗村社区检测点志愿服务").tap()
    button = page.get_by_role("button", name="我报名")
    box = button.bounding_box()
    assert box["height"] >= 44  # a big target for older hands
    button.tap()
    expect(page.get_by_role("status")).to_contain_text("报名成功")
