"""The donation-to-disclosure journey in a real browser: the organisation's staff record a
gift on a phone (receipt number shown), request a spending that a second staff member
approves, close the campaign and publish its final disclosure; then anyone opens the public
page and sees the totals computed from the records, the donor's name masked."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DISTRICT = "440605000000"


@pytest.fixture
def charity_setup(make_staff, divisions):
    from minzheng.charity import roles, services
    from minzheng.core import roles as core_roles
    from minzheng.registry.services import organisation_register
    from minzheng.registry.validators import uscc_check_character

    officer = make_staff("officer", core_roles.DISTRICT_OFFICER, DISTRICT)
    first17 = "51440605MJ0000077"
    org = organisation_register(
        actor=officer,
        name="测试慈善会",
        kind="social_org",
        division_code=DISTRICT,
        credit_code=first17 + uscc_check_character(first17),
    )
    charity = services.charity_register(
        actor=officer,
        organisation=org,
        status="recognised",
        recognised_on=dt.date(2018, 1, 1),
        receipt_prefix="CSH",
        public_fundraising=True,
        fundraising_certificate_no="T-1",
        fundraising_valid_from=dt.date(2018, 1, 1),
    )
    maker = make_staff("charity_maker", roles.CHARITY_STAFF, DISTRICT)
    checker = make_staff("charity_checker", roles.CHARITY_STAFF, DISTRICT)
    for user in (maker, checker):
        services.charity_staff_link(actor=officer, charity=charity, user=user)
    maker = type(maker).objects.get(pk=maker.pk)
    today = dt.date.today()
    campaign = services.campaign_create(
        actor=maker,
        charity=charity,
        data=services.CampaignInput(
            kind="fundraising",
            title="同心防疫募捐",
            purpose="防疫物资和慰问医护人员",
            starts_on=today - dt.timedelta(days=10),
            ends_on=today + dt.timedelta(days=100),
            filing_number="T-2026-1",
        ),
    )
    services.campaign_move(actor=maker, campaign=campaign, name="file")
    services.campaign_move(
        actor=maker, campaign=campaign, name="open", on=today - dt.timedelta(days=10)
    )
    return campaign


def test_donation_to_disclosure(phone_page, make_page, charity_setup, login_staff):
    from minzheng.charity.models import Donation, Spending

    campaign = charity_setup
    page = phone_page
    login_staff(page, "charity_maker")
    page.goto("/staff/charity/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("测试慈善会")
    page.get_by_role("link", name="登记捐赠").click()
    page.get_by_label("捐赠用途").select_option(label="募捐活动：同心防疫募捐")
    page.get_by_label("金额/估值（元）").fill("1000.00")
    page.locator("#id_method").select_option("cash")
    page.locator("#id_donor_name").fill("欧阳丽娜")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已登记捐赠 1000.00 元。票据号码 CSH")).to_be_visible()
    assert Donation.objects.get().amount == 1000

    page.goto("/staff/charity/receipts/")
    expect(page.get_by_role("cell", name="壹仟元整")).to_be_visible()

    page.goto("/staff/charity/spendings/new/")
    page.get_by_label("支出资金").select_option(label="募捐活动：同心防疫募捐")
    page.locator("#id_purpose").select_option("supplies")
    page.locator("#id_description").fill("采购口罩")
    page.get_by_label("金额（元）").fill("600.00")
    page.get_by_label("收款方").fill("测试医药公司")
    page.get_by_label("受益人数").fill("0")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#state")).to_have_text("待审核")
    spending = Spending.objects.get()

    checker_page = make_page()
    login_staff(checker_page, "charity_checker")
    checker_page.goto(f"/staff/charity/spendings/{spending.pk}/")
    checker_page.get_by_role("button", name="批准支出").click()
    expect(checker_page.locator("#state")).to_have_text("已批准支出")

    page.goto(f"/staff/charity/campaigns/{campaign.pk}/")
    page.get_by_role("button", name="结束").click()
    expect(page.get_by_text("已办理。")).to_be_visible()
    page.get_by_label("公开类型").select_option("final")
    page.get_by_label("说明（结项公开须写明剩余财产的处理）").fill("结余 400.00 元继续用于防疫")
    page.get_by_role("button", name="按记录计算并发布").click()
    expect(page.get_by_text("信息公开已发布。")).to_be_visible()

    public = make_page()
    public.goto(f"/portal/charity/campaigns/{campaign.pk}/")
    expect(public.locator("#raised")).to_have_text("1000.00 元")
    expect(public.locator("#spent")).to_have_text("600.00 元")
    expect(public.locator("#balance")).to_have_text("400.00 元")
    expect(public.locator("#donors")).to_contain_text("欧**娜")
    expect(public.get_by_text("结余 400.00 元继续用于防疫")).to_be_visible()
    assert "欧阳丽娜" not in public.content()
