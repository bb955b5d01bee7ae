from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.rescue import services
from minzheng.rescue.models import Case, MissingReport

from .conftest import JPEG, intake, report_input


def test_staff_pages_render(rescue_staff, station, client):
    case = services.case_intake(actor=rescue_staff, station=station, data=intake())
    services.report_create(actor=rescue_staff, data=report_input(), source="counter")
    services.case_rematch(case_id=case.pk)
    client.force_login(rescue_staff)
    cand = case.candidates.first()
    for url in (
        "/staff/rescue/",
        "/staff/rescue/cases/new/",
        f"/staff/rescue/cases/{case.pk}/",
        f"/staff/rescue/cases/{case.pk}/edit/",
        f"/staff/rescue/candidates/{cand.pk}/",
        f"/staff/rescue/cases/{case.pk}/return/",
        "/staff/rescue/reports/",
        "/staff/rescue/reports/new/",
        "/staff/rescue/notices/",
        f"/staff/rescue/notices/{case.notice.pk}/edit/",
        "/staff/rescue/returns/",
        "/staff/rescue/stats/?year=2021",
    ):
        assert client.get(url).status_code == 200, url
    review = client.get(f"/staff/rescue/candidates/{cand.pk}/").content.decode()
    assert (
        "粤语读音相同（王/黄 wong4）" in review
        and "138****8000" in review
        and "13800138000" not in review
    )


def test_stats_page_uses_local_echarts_and_export_is_xlsx(rescue_staff, station, client):
    client.force_login(rescue_staff)
    page = client.get("/staff/rescue/stats/?year=2021").content.decode()
    assert (
        "/static/vendor/echarts/echarts.min.js" in page
        and "http" not in page.split("echarts.min.js")[0][-40:]
    )
    response = client.get("/staff/rescue/stats/export.xlsx?year=2021")
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_intake_form_shows_errors_on_fields_and_writes_nothing(rescue_staff, station, client):
    client.force_login(rescue_staff)
    response = client.post(
        "/staff/rescue/cases/new/",
        {
            "found_date": (dt.date.today() + dt.timedelta(days=2)).isoformat(),
            "found_place": "桂城",
            "brought_by": "police",
            "sex": "M",
            "age_min": "70",
            "age_max": "60",
            "photo": SimpleUploadedFile("x.gif", b"GIF89a"),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "发现日期不能晚于今天。" in page and "年龄上限不能小于下限。" in page
    assert Case.objects.count() == 0


def test_intake_form_creates_case_and_redirects(rescue_staff, station, client):
    client.force_login(rescue_staff)
    response = client.post(
        "/staff/rescue/cases/new/",
        {
            "found_date": "2021-03-05",
            "found_place": "桂城",
            "brought_by": "city",
            "sex": "F",
            "age_min": "70",
            "age_max": "80",
            "told_name": "",
            "photo": SimpleUploadedFile("x.jpg", JPEG),
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/rescue/cases/{case.pk}/"


def test_resident_reports_on_the_portal(client, db):
    from minzheng.core.models import User

    resident = User.objects.create(username="r-1", kind="resident")
    client.force_login(resident)
    response = client.post(
        "/portal/rescue/report/",
        {
            "name": "黄志强",
            "sex": "M",
            "birth_year": "1950",
            "missing_date": "2021-03-01",
            "missing_place": "桂城街道",
            "contact_phone": "13800138000",
            "consent": "on",
        },
    )
    report = MissingReport.objects.get()
    assert (
        response.status_code == 302
        and report.source == "portal"
        and report.reporter == resident
        and report.consent
    )
    assert "黄志强" in client.get("/portal/rescue/mine/").content.decode()


def test_public_notice_list_needs_no_login(rescue_staff, station, client):
    case = services.case_intake(actor=rescue_staff, station=station, data=intake())
    services.notice_publish(actor=rescue_staff, notice=case.notice)
    page = client.get("/portal/rescue/?sex=M&age=70&dialect=粤语").content.decode()
    assert "寻亲公告：2021年3月5日在桂城街道灯湖东路发现一名男性" in page
    assert "高血压" not in page


def test_api_match_lists_and_candidates(rescue_staff, jiujiang_rescue, station, client):
    case = services.case_intake(actor=rescue_staff, station=station, data=intake())
    report = services.report_create(actor=rescue_staff, data=report_input(), source="counter")
    services.case_rematch(case_id=case.pk)
    client.force_login(rescue_staff)
    body = {
        "name": "王志强",
        "sex": "M",
        "age_min": 65,
        "age_max": 75,
        "found_date": "2021-03-05",
        "top": 3,
    }
    response = client.post("/api/v1/rescue/match/", body, content_type="application/json")
    assert response.status_code == 200 and response.json()[0]["external_id"] == report.external_id
    bad = client.post(
        "/api/v1/rescue/match/", {**body, "age_min": 80}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["age_max"] == ["年龄上限不能小于下限。"]
    assert client.get("/api/v1/rescue/cases/").json()["results"][0]["number"] == case.number
    assert (
        client.get(f"/api/v1/rescue/cases/{case.pk}/candidates/").json()[0]["external_id"]
        == report.external_id
    )
    client.force_login(jiujiang_rescue)
    assert client.get(f"/api/v1/rescue/cases/{case.pk}/candidates/").status_code == 404
    assert client.get("/api/v1/rescue/cases/").json()["results"] == []


def test_reveal_of_family_phone_is_logged(rescue_staff, client):
    from minzheng.core.models import OperationLog

    report = services.report_create(actor=rescue_staff, data=report_input(), source="counter")
    client.force_login(rescue_staff)
    assert client.get(f"/staff/rescue/reports/{report.pk}/reveal/").status_code == 405
    response = client.post(f"/staff/rescue/reports/{report.pk}/reveal/")
    assert "13800138000" in response.content.decode()
    log = OperationLog.objects.get(action="reveal")
    assert (log.user, log.target_id, log.summary) == (
        rescue_staff,
        str(report.pk),
        f"查看寻亲登记联系电话 {report.external_id}",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [({"found_date": "9999-12-31"}, "found_date"), ({"name": "王\u202e强志"}, "name")],
)
def test_api_match_refuses_insane_dates_and_bidi_names(rescue_staff, client, change, field):
    client.force_login(rescue_staff)
    body = {"name": "王志强", "sex": "M", "age_min": 65, "age_max": 75, "found_date": "2021-03-05"}

    response = client.post(
        "/api/v1/rescue/match/", {**body, **change}, content_type="application/json"
    )

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_the_case_page_says_matching_is_running_then_shows_the_candidates(
    rescue_staff, station, client
):
    case = services.case_intake(actor=rescue_staff, station=station, data=intake())
    services.report_create(actor=rescue_staff, data=report_input(), source="counter")
    client.force_login(rescue_staff)
    page = client.get(f"/staff/rescue/cases/{case.pk}/").content.decode()
    assert 'data-testid="matching"' in page and "暂无候选" not in page
    assert f'hx-get="/staff/rescue/cases/{case.pk}/candidates/"' in page  # polls until done
    services.case_rematch(case_id=case.pk)  # the background task
    part = client.get(f"/staff/rescue/cases/{case.pk}/candidates/").content.decode()
    assert "hx-get" not in part and 'data-testid="matching"' not in part
    assert "黄志强" in part  # the family's report, ranked with its reasons
