"""The rescue station journey in a real browser: intake of a found person whose name was
written by ear (王志强 for 黄志强), the candidate reviewed side by side and confirmed, the
public notice on the portal, the return home that closes the case and takes the notice down."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def rescue_setup(make_staff):
    from minzheng.rescue import services
    from minzheng.rescue.apps import RESCUE_STAFF
    from minzheng.rescue.models import Station

    staff = make_staff("rescue_staff", RESCUE_STAFF, "440605000000")
    Station.objects.create(name="南海区救助管理站", division_id="440605000000")
    report = services.report_create(
        actor=staff,
        source="counter",
        data=services.ReportInput(
            name="黄志强",
            sex="M",
            birth_year=1950,
            missing_date=dt.date(2021, 3, 1),
            missing_place="桂城街道灯湖东路",
            description="穿蓝色外套，左脸有痣",
            contact_name="黄女士",
            contact_phone="13800138000",
        ),
    )
    return staff, report


def test_intake_match_confirm_notice_and_return(page, make_page, rescue_setup, login_staff):
    from minzheng.rescue.models import Case, MissingReport

    _staff, report = rescue_setup
    login_staff(page, "rescue_staff")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="救助寻亲").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("救助寻亲工作台")
    page.get_by_role("link", name="救助登记").first.click()

    page.get_by_label("发现日期").fill("2021-03-05")
    page.get_by_label("发现地点").fill("桂城街道灯湖东路")
    page.get_by_label("送站方式").select_option("police")
    page.get_by_label("自述姓名").fill("王志强")
    page.get_by_label("性别").select_option("M")
    page.get_by_label("估计年龄（下限）").fill("65")
    page.get_by_label("估计年龄（上限）").fill("75")
    page.get_by_label("口音/语言").select_option("粤语")
    page.get_by_label("衣着").fill("蓝色外套")
    page.get_by_label("健康状况").fill("高血压")
    page.get_by_label("照片").set_input_files(
        files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
    )
    page.get_by_role("button", name="保存").click()

    expect(page).to_have_url(re.compile(r"/staff/rescue/cases/\d+/$"))
    expect(page.get_by_role("status").first).to_contain_text("寻亲公告待审核发布")
    # Nothing is public until a person has looked at the text and photo and published it.
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="审核并发布").click()
    expect(page.get_by_role("status").first).to_contain_text("寻亲公告已发布")
    candidates = page.get_by_role("region", name="比对候选")
    expect(candidates).to_contain_text("黄志强")
    expect(candidates).to_contain_text("粤语读音相同（王/黄 wong4）")

    # The public notice, seen by anyone, without the health details.
    public = make_page()
    public.goto("/portal/rescue/")
    public.get_by_role("link", name=re.compile("寻亲公告：2021年3月5日")).click()
    expect(public.locator("#notice-fields")).to_contain_text("王志强")
    assert "高血压" not in public.content()

    # Review side by side and confirm.
    candidates.get_by_role("link", name=re.compile("黄志强")).click()
    expect(page.get_by_role("region", name=re.compile("受助人员"))).to_contain_text("王志强")
    expect(page.get_by_role("region", name=re.compile("寻亲登记"))).to_contain_text("138****8000")
    page.get_by_label("确认是同一人").check()
    page.get_by_label("核实说明").fill("经家属视频辨认")
    page.get_by_role("button", name="提交核实结果").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("待送返")

    # Return home: closes the case, takes the notice down.
    page.get_by_role("link", name="送返", exact=True).last.click()
    page.get_by_label("护送人员").fill("张三")
    page.get_by_label("交通方式").fill("站内车辆")
    page.get_by_label("交接对象").select_option("family")
    page.get_by_label("接收人/单位").fill("黄女士")
    page.get_by_label("交通费（元）").fill("120.50")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("已送返结案")
    expect(page.get_by_role("region", name="送返")).to_contain_text("120.50 元")

    case = Case.objects.get()
    assert case.state == "returned" and case.confirmed_report_id == report.pk
    assert MissingReport.objects.get().status == "found"
    public.goto("/portal/rescue/")
    expect(public.get_by_text("没有符合条件的公告。")).to_be_visible()
