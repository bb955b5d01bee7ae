"""Pages and the stable API: permission gates, scope, bad input, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from minzheng.core.models import OperationLog
from minzheng.welfare import services
from minzheng.welfare.models import CareActivity, EmploymentService, RespiteEnrolment

from .conftest import DISTRICT, GUICHENG, GUICHENG_COMMUNITY
from .test_respite import session

pytestmark = pytest.mark.django_db


@pytest.fixture
def child(officer, make_person):
    return services.child_register(
        actor=officer,
        person=make_person("院童"),
        category="disabled",
        placement="community",
        division_code=GUICHENG_COMMUNITY,
        admitted_on=dt.date(2020, 1, 1),
    )


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_child_page_without_permission_is_404_and_logged_with(client, officer, leader, child):
    client.force_login(leader)
    assert client.get(f"/staff/welfare/children/{child.pk}/").status_code == 403
    client.force_login(officer)
    before = OperationLog.objects.filter(action="reveal", target_type="welfare.child").count()
    response = client.get(f"/staff/welfare/children/{child.pk}/")
    assert response.status_code == 200
    assert "院童" in response.content.decode()
    assert (
        OperationLog.objects.filter(action="reveal", target_type="welfare.child").count()
        == before + 1
    )


def test_children_api_gated_and_scoped(officer, leader, jj_officer, child):
    assert api(leader).get("/api/v1/welfare/children/").status_code == 403
    assert api(jj_officer).get("/api/v1/welfare/children/").json()["results"] == []
    rows = api(officer).get("/api/v1/welfare/children/").json()["results"]
    assert [(r["id"], r["name"], r["category"]) for r in rows] == [(child.pk, "院童", "disabled")]


def test_stall_entry_api_invalid_id_number_400_nothing_written(officer):
    stall = services.stall_create(
        actor=officer,
        title="人力资源市场摊位",
        place="南海区人力资源市场",
        division_code=DISTRICT,
        held_on=dt.date(2021, 6, 18),
    )
    response = api(officer).post(
        "/api/v1/welfare/employment/services/",
        {"kind": "consultation", "stall": stall.pk, "id_number": "440605199001011235"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"id_number": ["身份证号码校验位不正确，请核对后重新输入"]}
    assert EmploymentService.objects.count() == 0
    ok = api(officer).post(
        "/api/v1/welfare/employment/services/",
        {"kind": "consultation", "stall": stall.pk},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["id_number_masked"] == ""


def test_enrolment_api_full_session_400(officer, make_family, jj_officer):
    s = session(officer, capacity=1)
    (h1, _p, (k1,)), (h2, _p2, (k2,)) = make_family(), make_family()
    url = f"/api/v1/welfare/respite/sessions/{s.pk}/enrolments/"
    assert (
        api(officer).post(url, {"household": h1.pk, "child": k1.pk}, format="json").status_code
        == 201
    )
    full = api(officer).post(url, {"household": h2.pk, "child": k2.pk}, format="json")
    assert full.status_code == 400 and full.json() == {
        "session": ["该场次已满（1 名），请选择其他场次。"]
    }
    assert (
        api(jj_officer).post(url, {"household": h2.pk, "child": k2.pk}, format="json").status_code
        == 404
    )
    assert RespiteEnrolment.objects.count() == 1


def test_activity_api_creates_and_refuses_bad_input(officer):
    start = timezone.now() - dt.timedelta(days=2)
    body = {
        "kind": "themed_day",
        "title": "丹灶康园中心主题活动",
        "organiser": "区民政局",
        "place": "丹灶镇康园中心",
        "division": "440605123000",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=3)).isoformat(),
        "beneficiary_count": 40,
    }
    assert api(officer).post("/api/v1/welfare/activities/", body, format="json").status_code == 201
    bad = api(officer).post(
        "/api/v1/welfare/activities/", {**body, "beneficiary_count": 0}, format="json"
    )
    assert bad.status_code == 400 and "beneficiary_count" in bad.json()
    assert CareActivity.objects.count() == 1


def test_matches_api_out_of_scope_is_404(officer, jj_officer, make_person):
    seeker = services.jobseeker_register(actor=officer, person=make_person("求职者", "19900101"))
    assert (
        api(officer).get(f"/api/v1/welfare/employment/jobseekers/{seeker.pk}/matches/").json() == []
    )
    assert (
        api(jj_officer)
        .get(f"/api/v1/welfare/employment/jobseekers/{seeker.pk}/matches/")
        .status_code
        == 404
    )


def test_pages_render(client, officer, child):
    client.force_login(officer)
    for url in (
        "/staff/welfare/",
        "/staff/welfare/children/",
        "/staff/welfare/children/new/",
        "/staff/welfare/allowance/",
        "/staff/welfare/activities/",
        "/staff/welfare/activities/new/",
        "/staff/welfare/respite/",
        "/staff/welfare/respite/new/",
        "/staff/welfare/employment/",
        "/staff/welfare/employment/stall/",
        "/staff/welfare/stats/",
    ):
        assert client.get(url).status_code == 200, url
    xlsx = client.get("/staff/welfare/stats/export.xlsx?year=2021")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_activity_list_query_count_does_not_grow(client, officer, django_assert_num_queries):
    client.force_login(officer)
    start = timezone.now() - dt.timedelta(days=3)

    def add(n):
        for i in range(n):
            services.activity_create(
                actor=officer,
                data=services.ActivityInput(
                    kind="festival",
                    title=f"节日慰问{i}",
                    organiser="区民政局",
                    place="桂城",
                    division_code=GUICHENG,
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=2),
                    beneficiary_count=5,
                ),
            )

    add(2)
    client.get("/staff/welfare/activities/")
    with django_assert_num_queries(7):
        client.get("/staff/welfare/activities/")
    add(5)
    with django_assert_num_queries(7):
        client.get("/staff/welfare/activities/")


def test_referral_then_placement_from_the_jobseeker_page(client, officer, make_person):
    from minzheng.welfare.models import JobPlacement, Referral

    seeker = services.jobseeker_register(
        actor=officer, person=make_person("求职者乙", "19900101"), wishes="客服"
    )
    employer = services.employer_add(actor=officer, name="某公司", division_code=GUICHENG)
    vacancy = services.vacancy_add(
        actor=officer, employer=employer, title="客服", accommodation="无障碍通道"
    )
    client.force_login(officer)
    page = client.get(f"/staff/welfare/employment/jobseekers/{seeker.pk}/").content.decode()
    assert "无障碍通道" in page
    client.post(f"/staff/welfare/employment/jobseekers/{seeker.pk}/refer/{vacancy.pk}/")
    referral = Referral.objects.get()
    client.post(
        f"/staff/welfare/employment/referrals/{referral.pk}/outcome/",
        {"hired": "1", "started_on": ""},
    )
    assert JobPlacement.objects.count() == 0  # no start date: refused, nothing written
    client.post(
        f"/staff/welfare/employment/referrals/{referral.pk}/outcome/",
        {"hired": "1", "started_on": "2021-07-01"},
    )
    placement = JobPlacement.objects.get()
    assert (placement.jobseeker, placement.accommodation) == (seeker, "无障碍通道")
    assert client.get("/staff/welfare/employment/employers/").status_code == 200
    course = services.course_add(
        actor=officer,
        title="培训",
        provider="机构",
        division_code=DISTRICT,
        starts_on=dt.date(2021, 8, 2),
        ends_on=dt.date(2021, 8, 3),
    )
    client.post(
        f"/staff/welfare/employment/courses/{course.pk}/",
        {"jobseeker": seeker.pk, "day": "2021-08-02", "present": "on"},
    )
    assert course.attendance.count() == 1
