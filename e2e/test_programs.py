"""Assistance programmes in a real browser: a resident applies for temporary assistance on
a phone, the town caseworker returns it listing what is missing, the resident uploads the
document and resubmits, and the caseworker accepts it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GUIYI = "440605011001"  # 桂一社区居委会, 桂城街道
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ID_NUMBER = "440605199001011236"


@pytest.fixture
def programmes(divisions):
    from minzheng.core import roles
    from minzheng.programs.setup import ensure_defaults

    roles.sync_roles()
    return ensure_defaults()


@pytest.fixture
def resident(programmes, django_user_model):
    return django_user_model.objects.create(username="r-e2e", kind="resident")


@pytest.fixture
def caseworkers(programmes, make_staff):
    from minzheng.programs.roles import PROGRAMS_TOWN

    return make_staff("gc_case", PROGRAMS_TOWN, "440605011000"), make_staff(
        "gc_case2", PROGRAMS_TOWN, "440605011000"
    )


def test_resident_applies_is_returned_then_accepted(
    phone_page, make_page, resident, caseworkers, force_login, tmp_path
):
    from minzheng.programs.models import Application

    photo = tmp_path / "id.png"
    photo.write_bytes(PNG)
    page = phone_page
    force_login(page, resident)
    page.goto("/portal/")
    page.get_by_role("link", name=re.compile("救助申请")).first.tap()
    expect(page).to_have_url(re.compile(r"/portal/programs/$"))
    page.get_by_role("link", name="申请临时救助").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("申请临时救助")

    page.get_by_label("所在镇街/村居").select_option(GUIYI)
    page.get_by_label("申请人姓名（机构名称）").fill("陈大文")
    page.get_by_label("身份证号码（统一社会信用代码）").fill(ID_NUMBER)
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_label("开户银行").fill("南海农商银行")
    page.get_by_label("银行账号").fill("6229000012345678")
    page.get_by_label("救助类型").select_option("emergency")
    page.get_by_label("事由").select_option("medical")  # contradictory on purpose
    page.get_by_label("发生日期").fill("2026-01-05")
    page.get_by_label("家庭人口（人）").fill("3")
    page.get_by_label("家庭人均月收入（元）").fill("800")
    page.get_by_label("情况说明").fill("家中失火，衣物家具全部烧毁")
    page.get_by_label("申请人身份证").set_input_files(str(photo))
    page.get_by_role("button", name="提交申请").tap()
    expect(page.get_by_role("main")).to_contain_text("急难型救助的事由应为")
    assert Application.objects.count() == 0

    page.get_by_label("事由").select_option("fire")
    page.get_by_label("申请人身份证").set_input_files(str(photo))
    page.get_by_role("button", name="提交申请").tap()
    expect(page.get_by_test_id("state")).to_have_text("待受理")
    expect(page.get_by_test_id("explanation")).to_contain_text("× 家庭人口 3 人")
    app = Application.objects.get()
    assert app.channel == "portal" and app.resident_id == resident.pk

    # The caseworker returns it, listing everything missing in one notice.
    worker, _ = caseworkers
    staff = make_page()
    force_login(staff, worker)
    staff.goto("/staff/programs/?q=accept")
    staff.get_by_role("link", name=app.number).click()
    staff.get_by_text("退回补正").click()
    staff.get_by_label("户口簿").check()
    staff.get_by_label("其他需补正内容").fill("请补充火灾事故证明")
    staff.get_by_role("button", name="一次性告知并退回").click()
    expect(staff.get_by_test_id("state")).to_have_text("退回补正")

    page.reload()
    expect(page.get_by_test_id("state")).to_have_text("退回补正")
    expect(page.get_by_role("main")).to_contain_text("请补充火灾事故证明")
    expect(page.get_by_role("link", name="补正材料通知书")).to_be_visible()
    page.get_by_label("材料类型").select_option("hukou")
    page.get_by_label("文件").set_input_files(str(photo))
    page.get_by_role("button", name="上传").tap()
    expect(page.get_by_role("main")).to_contain_text("材料已上传")
    page.get_by_role("button", name="材料已补齐，重新提交").tap()
    expect(page.get_by_test_id("state")).to_have_text("待受理")

    # Remaining documents at the counter, then 受理.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from minzheng.programs import services

    for doc in ("income", "event_proof", "bank_card"):
        services.document_add(
            actor=worker,
            application=app,
            kind=doc,
            upload=SimpleUploadedFile(f"{doc}.png", PNG, content_type="image/png"),
        )
    staff.reload()
    staff.get_by_role("button", name="受理", exact=True).click()
    expect(staff.get_by_test_id("state")).to_have_text("调查核实")
    page.reload()
    expect(page.get_by_role("link", name="受理通知书")).to_be_visible()
