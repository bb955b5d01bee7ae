"""The inspection journey in a real browser: an officer records an epidemic-prevention
inspection of an elderly-care institution with a finding and its photo, the open
rectification shows on the officer's list, a follow-up visit closes it, and the
institution's own staff see it in their institution's history (and nothing of another)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def eldercare_setup(make_staff):
    from minzheng.eldercare import roles, services
    from minzheng.eldercare.setup import ensure_defaults
    from minzheng.registry.validators import uscc_check_character

    ensure_defaults()
    officer = make_staff("eldercare_officer", roles.ELDERCARE_OFFICER, "440605000000")
    homes = []
    for n, (name, town) in enumerate(
        (("桂城颐康护养院", "440605011000"), ("九江康乐颐养院", "440605121000"))
    ):
        first17 = f"52440605MJ{n + 1:07d}"
        homes.append(
            services.institution_register(
                actor=officer,
                data=services.InstitutionInput(
                    name=name,
                    division_code=town,
                    ownership="private",
                    beds_total=30,
                    beds_nursing=10,
                    credit_code=first17 + uscc_check_character(first17),
                    bank_account="6228000011112222",
                ),
            )
        )
    staff = make_staff("institution_staff", roles.INSTITUTION_STAFF, "440605000000")
    services.institution_staff_link(actor=officer, institution=homes[0], user=staff)
    return officer, homes


def test_inspection_finding_follow_up_and_closing(page, make_page, eldercare_setup, login_staff):
    from minzheng.eldercare.models import Finding

    _officer, homes = eldercare_setup
    today = dt.date.today()
    login_staff(page, "eldercare_officer")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="养老服务").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("养老机构与社区幸福院")
    page.get_by_role("link", name="登记检查").click()

    page.get_by_label("被检查机构").select_option(label="桂城颐康护养院")
    page.get_by_label("检查类型").select_option(label="疫情防控")
    page.get_by_label("检查日期").fill(today.isoformat())
    page.get_by_label("检查人员").fill("区民政局 李科长")
    first = page.get_by_role("group", name="发现问题 1")
    first.get_by_label("检查项目").select_option(
        label="疫情防控 · E2 探访管理（预约、限时、限人数）落实"
    )
    first.get_by_label("存在问题").fill("探访登记不全")
    first.get_by_label("整改期限").fill((today + dt.timedelta(days=7)).isoformat())
    first.get_by_label("照片").set_input_files(
        files=[{"name": "f.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
    )
    # A second finding with no item is refused, and nothing is written.
    second = page.get_by_role("group", name="发现问题 2")
    second.get_by_label("存在问题").fill("未测温")
    second.get_by_label("整改期限").fill((today + dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="保存").click()
    expect(second).to_contain_text("第 2 条问题：请选择对应的检查项目。")
    assert Finding.objects.count() == 0

    second.get_by_label("存在问题").fill("")
    second.get_by_label("整改期限").fill("")
    first.get_by_label("照片").set_input_files(
        files=[{"name": "f.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
    )
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/staff/eldercare/inspections/\d+/$"))
    expect(page.get_by_role("article")).to_contain_text("探访登记不全")
    expect(page.get_by_role("article")).to_contain_text("整改中")

    page.get_by_role("link", name="检查与整改").click()
    expect(page.get_by_role("region", name="整改中")).to_contain_text("探访登记不全")

    page.get_by_role("link", name=re.compile("桂城颐康护养院")).first.click()
    page.get_by_role("link", name="登记复查").click()
    page.get_by_label("复查日期").fill(today.isoformat())
    page.get_by_label("复查情况").fill("已完善探访登记")
    page.get_by_label("已整改到位（销号）").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("article")).to_contain_text("已整改销号")
    expect(page.get_by_role("article")).to_contain_text("已完善探访登记")
    assert Finding.objects.get().state == "closed"

    # The institution's staff see their own history, and not the other institution.
    own = make_page()
    login_staff(own, "institution_staff")
    own.goto("/staff/eldercare/")
    expect(own.get_by_role("heading", level=1)).to_have_text("桂城颐康护养院")
    expect(own.get_by_role("main")).to_contain_text("疫情防控")
    response = own.goto(f"/staff/eldercare/institutions/{homes[1].pk}/")
    assert response.status == 404
