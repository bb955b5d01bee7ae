"""Disability employment stall entry on a phone: a consultation without a name in a few
taps, a job-seeker registration with an ID number (masked in the list), and an invalid ID
number refused in Chinese with nothing written."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stall_worker(make_staff):
    from django.utils import timezone

    from minzheng.welfare import services
    from minzheng.welfare.apps import WELFARE_OFFICER

    services.ensure_defaults()  # a transactional test flushes the migration's rows
    officer = make_staff("welfare_officer", WELFARE_OFFICER, "440605000000")
    services.stall_create(
        actor=officer,
        title="人力资源市场助残摊位",
        place="南海区人力资源市场",
        division_code="440605000000",
        held_on=timezone.localdate(),
    )
    return officer


def test_stall_entry_on_a_phone(phone_page, login_staff, stall_worker):
    from minzheng.registry.validators import check_character
    from minzheng.welfare.models import EmploymentService

    page = phone_page
    login_staff(page, "welfare_officer")
    page.goto("/staff/welfare/employment/stall/")
    expect(page.get_by_role("heading", name="残疾人就业服务 · 摆摊登记")).to_be_visible()

    # 1. An anonymous policy consultation: one tap on the kind, one on 记录.
    page.locator("label", has_text="政策咨询").tap()
    page.get_by_role("button", name="记录").tap()
    expect(page.get_by_text("已记录：政策咨询 （未登记身份）")).to_be_visible()
    assert EmploymentService.objects.filter(person__isnull=True, id_number_hash="").count() == 1

    # 2. A job-seeker registration with an ID number and a phone: masked in the list.
    first17 = "44060519900101123"
    number = first17 + check_character(first17)
    page.locator("label", has_text="求职登记").tap()
    page.get_by_label("身份证号码（可不填）").fill(number)
    page.get_by_label("手机号码（可不填）").fill("13812345678")
    page.get_by_role("button", name="记录").tap()
    expect(page.get_by_text("已记录：求职登记 4406**********", exact=False)).to_be_visible()
    assert number not in page.content() and "13812345678" not in page.content()

    # 3. A wrong check digit: refused in Chinese beside the field, nothing written.
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    page.locator("label", has_text="培训报名").tap()
    page.get_by_label("身份证号码（可不填）").fill(wrong)
    page.get_by_role("button", name="记录").tap()
    expect(page.get_by_text("身份证号码校验位不正确，请核对后重新输入")).to_be_visible()
    assert page.get_by_label("身份证号码（可不填）").get_attribute("aria-invalid") == "true"
    assert EmploymentService.objects.count() == 2

    # The page fits the phone: no horizontal scrolling.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
