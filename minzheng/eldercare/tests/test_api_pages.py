"""The stable API and the pages: public and staff fields, scope, bad input (400, nothing
written), query counts of the lists, the portal."""

import datetime as dt

import pytest
from django.urls import reverse

from minzheng.eldercare import services
from minzheng.eldercare.models import Finding, Inspection, Residency, ServiceRequest

pytestmark = pytest.mark.django_db
ON = dt.date(2021, 5, 6)


@pytest.fixture
def claimed(home_a, home_b, make_elder, admit, officer, funded):
    admit(home_a, make_elder("全月"), level=3)
    admit(home_b, make_elder("他院", division="440605121000"), level=0)
    return services.claim_run(actor=officer, month=dt.date(2021, 4, 1), on=ON)


def test_anonymous_institution_list_has_public_fields_only(client, home_a, make_elder, admit):
    admit(home_a, make_elder())
    rows = client.get("/api/v1/eldercare/institutions/").json()["results"]
    assert rows[0]["name"] == "桂城颐康护养院"
    assert (rows[0]["beds_total"], rows[0]["vacancies"]) == (50, 49)
    assert "contact_phone_masked" not in rows[0] and "occupied" not in rows[0]


def test_staff_institution_list_is_full_and_in_scope(
    client, home_a, home_b, guicheng_worker, staff_a
):
    client.force_login(guicheng_worker)
    rows = client.get("/api/v1/eldercare/institutions/").json()["results"]
    assert [(r["name"], r["occupied"], r["bank_account_masked"]) for r in rows] == [
        ("桂城颐康护养院", 0, "************2222")
    ]
    client.force_login(staff_a)
    assert [r["id"] for r in client.get("/api/v1/eldercare/institutions/").json()["results"]] == [
        home_a.pk
    ]


def test_house_list_is_public(client, officer):
    services.house_register(
        actor=officer,
        data=services.HouseInput(
            name="桂园社区幸福院",
            division_code="440605011008",
            opening_hours="周一至周六 8:30–17:30",
            services=["meals", "activities"],
        ),
    )
    rows = client.get("/api/v1/eldercare/houses/").json()["results"]
    assert [(r["name"], r["service_labels"]) for r in rows] == [
        ("桂园社区幸福院", ["长者饭堂", "文体活动"])
    ]


def test_admission_api_and_its_bad_input(client, home_a, home_b, make_elder, officer):
    elder = make_elder()
    client.force_login(officer)
    body = {
        "institution": home_a.pk,
        "person": elder.pk,
        "admitted_on": "2021-01-05",
        "level": 2,
        "assessed_on": "2021-01-04",
    }
    r = client.post("/api/v1/eldercare/admissions/", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["institution"] == home_a.pk
    r = client.post(
        "/api/v1/eldercare/admissions/",
        body | {"institution": home_b.pk, "admitted_on": "2021-02-01"},
        content_type="application/json",
    )
    assert r.status_code == 400
    assert r.json() == {
        "person": ["该老人 2021年1月5日 起在“桂城颐康护养院”入住，尚未退住，不能同时入住两家机构。"]
    }
    assert Residency.objects.count() == 1


def test_admission_api_for_another_institution_is_refused_to_its_staff(
    client, home_b, make_elder, staff_a
):
    client.force_login(staff_a)
    r = client.post(
        "/api/v1/eldercare/admissions/",
        {
            "institution": home_b.pk,
            "person": make_elder().pk,
            "admitted_on": "2021-01-05",
            "level": 1,
            "assessed_on": "2021-01-05",
        },
        content_type="application/json",
    )
    assert r.status_code == 400 and "institution" in r.json()
    assert Residency.objects.count() == 0


def test_inspection_api_finding_without_item_writes_nothing(client, home_a, officer, defaults):
    client.force_login(officer)
    r = client.post(
        "/api/v1/eldercare/inspections/",
        {
            "place": home_a.organisation_id,
            "inspection_type": "epidemic",
            "inspected_on": dt.date.today().isoformat(),
            "inspectors": "李科长",
            "findings": [{"description": "未测温", "deadline": "2099-01-01"}],
        },
        content_type="application/json",
    )
    assert r.status_code == 400
    assert r.json()["findings.1.item"] == ["第 1 条问题：请选择对应的检查项目。"]
    assert (Inspection.objects.count(), Finding.objects.count()) == (0, 0)


def test_claims_api_explains_every_line_and_is_scoped(
    client, claimed, staff_a, officer, django_assert_num_queries
):
    client.force_login(officer)
    with django_assert_num_queries(
        11
    ):  # session, user, scope, link, perms ×2, claims, lines, session save
        rows = client.get("/api/v1/eldercare/claims/?month=2021-04").json()["results"]
    assert sorted((r["institution_name"], r["total"]) for r in rows) == [
        ("九江康乐颐养院", "200.00"),
        ("桂城颐康护养院", "480.00"),
    ]
    rows = {r["institution_name"]: r for r in rows}
    assert rows["桂城颐康护养院"]["lines"][0]["explanation"].startswith(
        "全月：在住 30 天（4月1日–4月30日）"
    )
    client.force_login(staff_a)
    rows = client.get("/api/v1/eldercare/claims/?month=2021-04").json()["results"]
    assert [r["institution_name"] for r in rows] == ["桂城颐康护养院"]
    assert client.get("/api/v1/eldercare/claims/?month=2021-4").status_code == 400


def test_workbench_does_not_query_per_institution(client, officer, make_institution, queries_of):
    client.force_login(officer)
    make_institution(name="一院")
    url = reverse("eldercare:workbench")
    client.get(url)  # the session's first save
    first = queries_of(lambda: client.get(url))
    for n in range(3):
        make_institution(name=f"新院{n}")
    assert queries_of(lambda: client.get(url)) == first


def test_staff_pages_render(client, claimed, home_a, officer, defaults):
    inspection = services.inspection_create(
        actor=officer,
        place_id=home_a.organisation_id,
        inspection_type_code="fire",
        inspected_on=dt.date(2021, 5, 12),
        inspectors="李科长",
        findings=[
            services.FindingInput(home_a and _item("fire"), "通道堆物", dt.date(2021, 5, 20))
        ],
        on=dt.date(2021, 5, 12),
    )
    client.force_login(officer)
    claim = home_a.claims.get()
    stay = home_a.residencies.get()
    finding = inspection.findings.get()
    for url in [
        reverse("eldercare:workbench"),
        reverse("eldercare:institution_detail", args=[home_a.pk]),
        reverse("eldercare:admission_create", args=[home_a.pk]),
        reverse("eldercare:residency_detail", args=[stay.pk]),
        reverse("eldercare:claims") + "?month=2021-04",
        reverse("eldercare:claim_detail", args=[claim.pk]),
        reverse("eldercare:inspection_list"),
        reverse("eldercare:inspection_create"),
        reverse("eldercare:inspection_detail", args=[inspection.pk]),
        reverse("eldercare:finding_followup", args=[finding.pk]),
        reverse("eldercare:stats") + "?year=2021",
    ]:
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("eldercare:claim_detail", args=[claim.pk])).content.decode()
    assert "480.00 元 × 30/30 = 480.00 元" in page
    export = client.get(reverse("eldercare:stats_export") + "?year=2021")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def _item(code):
    from minzheng.eldercare.models import ChecklistItem

    return ChecklistItem.objects.filter(inspection_type__code=code).order_by("order").first().pk


def test_staff_of_one_institution_get_404_for_another(client, home_b, staff_a):
    client.force_login(staff_a)
    assert client.get(reverse("eldercare:institution_detail", args=[home_b.pk])).status_code == 404
    assert client.get(reverse("eldercare:workbench")).status_code == 302


def test_inspection_page_journey(client, home_a, officer, defaults):
    client.force_login(officer)
    today = dt.date.today()
    r = client.post(
        reverse("eldercare:inspection_create"),
        {
            "place": home_a.organisation_id,
            "inspection_type": "epidemic",
            "inspected_on": today.isoformat(),
            "inspectors": "李科长",
            "f1-item": _item("epidemic"),
            "f1-description": "未落实测温",
            "f1-deadline": (today + dt.timedelta(days=7)).isoformat(),
        },
    )
    assert r.status_code == 302
    finding = Finding.objects.get()
    r = client.post(
        reverse("eldercare:finding_followup", args=[finding.pk]),
        {"visited_on": today.isoformat(), "note": "已整改", "rectified": "on"},
    )
    assert r.status_code == 302
    finding.refresh_from_db()
    assert finding.state == "closed"


def test_portal_lists_and_a_resident_applies(client, home_a, make_resident_user, officer):
    page = client.get(reverse("eldercare:portal_home")).content.decode()
    assert "桂城颐康护养院" in page and "空床 50 张" in page
    user = make_resident_user()
    client.force_login(user)
    r = client.post(
        reverse("eldercare:portal_apply_admission", args=[home_a.pk]),
        {"elder_name": "陈伯", "contact_name": "陈小明", "phone": "13800138000"},
    )
    assert r.status_code == 302
    req = ServiceRequest.objects.get()
    assert (req.institution_id, req.phone_masked, req.division_id) == (
        home_a.pk,
        "138****8000",
        home_a.division_id,
    )


@pytest.fixture
def make_resident_user(db):
    from minzheng.core.models import User

    def make():
        return User.objects.create(username="r-eldercare", kind=User.Kind.RESIDENT)

    return make


def test_officer_registers_an_institution_and_files_a_house_report_and_rating(
    client, officer, defaults
):
    from minzheng.eldercare.models import HouseRating, HouseReport, Institution

    client.force_login(officer)
    r = client.post(
        reverse("eldercare:institution_create"),
        {
            "name": "里水颐养院",
            "division": "440605126000",
            "ownership": "public",
            "beds_total": "40",
            "beds_nursing": "50",
        },
    )
    assert r.status_code == 200 and "护理型床位不能超过床位总数。" in r.content.decode()
    assert Institution.objects.count() == 0
    r = client.post(
        reverse("eldercare:institution_create"),
        {
            "name": "里水颐养院",
            "division": "440605126000",
            "ownership": "public",
            "beds_total": "40",
            "beds_nursing": "10",
        },
    )
    assert r.status_code == 302 and Institution.objects.get().beds_total == 40
    house = services.house_register(
        actor=officer,
        data=services.HouseInput(
            name="桂园社区幸福院", division_code="440605011008", services=["meals"]
        ),
    )
    r = client.post(
        reverse("eldercare:house_report", args=[house.pk]),
        {"month": "2021-03", "visits": "420", "meals": "300", "activities": "6"},
    )
    assert r.status_code == 302
    assert HouseReport.objects.get().visits == 420
    r = client.post(
        reverse("eldercare:house_rating", args=[house.pk]), {"year": "2021", "score": "91.5"}
    )
    assert r.status_code == 302
    assert HouseRating.objects.get().grade == "A"
    again = client.post(
        reverse("eldercare:house_rating", args=[house.pk]), {"year": "2021", "score": "80"}
    )
    assert "2021 年度已评级。" in again.content.decode()
    assert HouseRating.objects.count() == 1
