"""The funeral home's recording journey in a real browser, on a phone: find the deceased by
ID number, choose the basic items, see the waived total, save (the application is granted),
then a district officer settles the month and sees it posted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DISTRICT = "440605000000"


@pytest.fixture
def funeral_setup(make_staff, divisions):
    from minzheng.funeral import roles, services
    from minzheng.funeral.setup import ensure_defaults
    from minzheng.programs import postings

    programme = ensure_defaults()
    officer = make_staff("funeral_officer", roles.FUNERAL_OFFICER, DISTRICT)
    for year in {2021, dt.date.today().year}:
        postings.fund_budget(
            actor=officer,
            programme=programme,
            year=year,
            amount=Decimal("10000"),
            on=dt.date(year, 1, 4),
        )
    home = services.home_register(actor=officer, name="测试殡仪馆", division_code="440605124000")
    staff = make_staff("home_staff", roles.FUNERAL_HOME_STAFF, DISTRICT)
    services.home_staff_link(actor=officer, home=home, user=staff)
    return officer, home, staff


def _id_number() -> str:
    from minzheng.registry.validators import check_character

    first17 = "44060519380205123"
    return first17 + check_character(first17)


def test_record_quote_save_and_settle(phone_page, make_page, funeral_setup, login_staff):
    from minzheng.funeral.models import ServiceRecord

    officer, home, _staff = funeral_setup
    page = phone_page
    login_staff(page, "home_staff")
    page.goto("/staff/funeral/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("测试殡仪馆")
    page.get_by_role("link", name="登记免除").click()

    page.get_by_label("逝者姓名").fill("何伯")
    page.get_by_label("逝者身份证号码").fill(_id_number())
    page.get_by_label("死亡日期").fill("2021-03-01")
    page.get_by_label("服务日期").fill("2021-03-02")
    for label in (
        "遗体接运（次）",
        "遗体消毒（次）",
        "遗体存放（天）",
        "遗体火化（具）",
        "骨灰寄存（年）",
        "骨灰盒（个）",
    ):
        page.get_by_label(label).fill("1")
    page.get_by_role("button", name="计算免除金额").click()
    expect(page.get_by_test_id("quote-total")).to_have_text("800.00")
    expect(page.get_by_test_id("quote")).to_contain_text("人口库无此人记录")
    assert ServiceRecord.objects.count() == 0

    page.get_by_role("button", name="保存并免除").click()
    expect(page.get_by_test_id("amount")).to_have_text("800.00")
    expect(page.get_by_test_id("explanation")).to_contain_text("免除金额 800.00 元")
    record = ServiceRecord.objects.get()
    assert (record.amount, record.application.state, record.home_id) == (
        Decimal("800.00"),
        "approved",
        home.pk,
    )

    officer_page = make_page()
    login_staff(officer_page, "funeral_officer")
    officer_page.goto(f"/staff/funeral/settlements/{home.pk}/2021-03/")
    expect(officer_page.get_by_test_id("statement-totals")).to_contain_text(
        "本月免除 1 人，合计 800.00 元"
    )
    officer_page.get_by_role("button", name="结算入账").click()
    expect(officer_page.get_by_test_id("statement-totals")).to_contain_text("已结算入账")
    record.refresh_from_db()
    assert record.settlement is not None and record.application.state == "paid"
