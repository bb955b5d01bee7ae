"""Resident portal journeys on a phone: elder mode (长辈模式) and signing in with an SMS code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ELDER = re.compile(r"(^|\s)elder(\s|$)")
RESIDENT_PHONE = "13912345678"


def root_font_px(page) -> float:
    size = page.evaluate("getComputedStyle(document.documentElement).fontSize")
    return float(size.removesuffix("px"))


def test_resident_portal_in_elder_mode(phone_page):
    page = phone_page
    page.goto("/portal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，欢迎使用民政为民服务")
    html = page.locator("html")
    expect(html).not_to_have_class(ELDER)
    normal = root_font_px(page)
    assert normal == 16
    expect(page.get_by_role("heading", name="咨询电话")).to_have_count(0)

    with page.expect_navigation():  # to the switch and back; waits for the new page's CSS
        page.get_by_test_id("elder-on").tap()

    expect(page).to_have_url(re.compile(r"/portal/$"))  # back where the switch was pressed
    expect(html).to_have_class(ELDER)
    assert root_font_px(page) >= 20
    assert root_font_px(page) > normal
    # Elder mode adds the help line as a big call button.
    expect(page.get_by_role("link", name="拨打 12345")).to_have_attribute("href", "tel:12345")
    expect(page.get_by_test_id("elder-on")).to_have_count(0)

    # Remembered by a cookie: a reload (a new request) still renders elder mode.
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies.get("mz_elder") == "1"
    page.reload()
    expect(html).to_have_class(ELDER)
    assert root_font_px(page) >= 20

    with page.expect_navigation():
        page.get_by_test_id("elder-off").tap()

    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(html).not_to_have_class(ELDER)
    assert root_font_px(page) == normal
    expect(page.get_by_test_id("elder-on")).to_be_visible()
    page.reload()
    expect(html).not_to_have_class(ELDER)


def test_resident_signs_in_with_sms_code(phone_page):
    from minzheng.core.sms import MemoryBackend

    page = phone_page
    page.goto("/portal/")
    page.get_by_role("main").get_by_role("link", name="登录", exact=True).tap()
    expect(page).to_have_url(re.compile(r"/portal/login/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("手机号码登录")

    page.get_by_label("手机号码").fill(RESIDENT_PHONE)
    page.get_by_role("button", name="获取验证码").tap()

    expect(page).to_have_url(re.compile(r"/portal/login/code/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("输入验证码")
    expect(page.get_by_role("main")).to_contain_text("验证码已发送至 139****5678")
    # The live server runs in this process, so its SMS backend wrote to this outbox.
    assert len(MemoryBackend.outbox) == 1
    phone, text = MemoryBackend.outbox[0]
    assert phone == RESIDENT_PHONE
    code = re.search(r"验证码是 (\d{6})", text).group(1)

    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).tap()

    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，139****5678")
    expect(
        page.get_by_role("navigation", name="账号").get_by_role("link", name="我的")
    ).to_be_visible()
    assert RESIDENT_PHONE not in page.content()

    # Still signed in on the next page.
    page.get_by_role("main").get_by_role("link", name="我的").tap()
    expect(page).to_have_url(re.compile(r"/portal/me/$"))
    expect(page.locator("dd.mz-masked").first).to_have_text("139****5678")
