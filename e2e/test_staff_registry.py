"""Staff journeys in the registry: register a person, see only masked numbers, reveal them
(logged), and a wrong ID number refused in Chinese without writing anything."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ID_NUMBER = "440605199001011236"  # valid check digit; born 1990-01-01, male
PHONE = "13812345678"
GUIYI = "440605011001"  # 桂一社区居委会, 桂城街道


def fill_person_form(page, *, name: str, id_number: str) -> None:
    page.get_by_label("姓名").fill(name)
    page.get_by_label("身份证号码").fill(id_number)
    page.get_by_label("联系电话").fill(PHONE)
    page.get_by_label("居住地（村居）").select_option(GUIYI)
    page.get_by_role("button", name="保存").click()


def test_caseworker_registers_person_and_sees_masked_id(page, guicheng_worker, login_staff):
    from minzheng.core.models import OperationLog
    from minzheng.registry.models import Person

    login_staff(page, "guicheng_worker")
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")

    page.get_by_role("navigation", name="主菜单").get_by_role(
        "link", name="人员", exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"/staff/persons/$"))
    page.get_by_role("link", name="登记人员").click()
    expect(page).to_have_url(re.compile(r"/staff/persons/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("登记人员")

    fill_person_form(page, name="陈美玲", id_number=ID_NUMBER)

    expect(page).to_have_url(re.compile(r"/staff/persons/\d+/$"))
    expect(page.get_by_role("status").first).to_have_text("已登记 陈美玲。")
    expect(page.get_by_role("heading", level=1)).to_have_text("陈美玲")
    expect(page.get_by_test_id("masked-id")).to_have_text("4406**********1236")
    expect(page.locator("dd.mz-masked").nth(1)).to_have_text("138****5678")
    expect(page.locator("dl")).to_contain_text("桂城街道 桂一社区居委会")
    html = page.content()
    assert ID_NUMBER not in html
    assert PHONE not in html

    person = Person.objects.get()
    assert not OperationLog.objects.filter(action="reveal").exists()

    page.wait_for_load_state()  # htmx (a deferred script) is ready
    page.get_by_test_id("reveal").click()  # htmx POST, swaps #pii in place
    revealed = page.get_by_test_id("revealed")
    expect(revealed).to_contain_text(f"身份证号码：{ID_NUMBER}")
    expect(revealed).to_contain_text(f"联系电话：{PHONE}")
    expect(revealed).to_contain_text("本次查看已记录在操作日志中。")
    expect(page).to_have_url(re.compile(rf"/staff/persons/{person.pk}/$"))  # no navigation

    log = OperationLog.objects.get(action="reveal")
    assert log.username == "guicheng_worker"
    assert log.target_id == str(person.pk)


def test_wrong_id_number_shows_chinese_error_and_writes_nothing(page, guicheng_worker, force_login):
    from minzheng.registry.models import Person

    force_login(page, guicheng_worker)
    page.goto("/staff/persons/new/")
    fill_person_form(page, name="陈美玲", id_number="440605199001011235")  # check digit 5, not 6

    expect(page).to_have_url(re.compile(r"/staff/persons/new/$"))
    field = page.get_by_label("身份证号码")
    message = "身份证号码校验位不正确，请核对后重新输入"
    # Next to the field: in the field's own block, right under the input ...
    expect(field.locator("xpath=..")).to_contain_text(message)
    expect(page.get_by_text(message)).to_be_visible()
    # ... and tied to it for screen readers (aria-invalid, aria-describedby -> the message).
    expect(field).to_have_attribute("aria-invalid", "true")
    described = (field.get_attribute("aria-describedby") or "").split()
    assert any("校验位不正确" in page.locator(f"#{ref}").inner_text() for ref in described), (
        described
    )
    expect(field).to_have_value("440605199001011235")  # kept, to be corrected
    expect(page.get_by_label("姓名")).to_have_value("陈美玲")
    assert Person.objects.count() == 0
