import datetime as dt
import io

import pytest
from django.urls import reverse

from minzheng.funeral import services
from minzheng.funeral.models import ServiceRecord

from .conftest import BASIC, id_number, service_input


def _login(client, user):
    client.force_login(user)
    return client


def test_home_staff_see_only_their_home(client, home_staff, home, other_staff, other_home, officer):
    mine = services.service_record(
        actor=home_staff, data=service_input(home, deceased_name="本馆逝者")
    )
    theirs = services.service_record(
        actor=other_staff, data=service_input(other_home, deceased_name="他馆逝者")
    )
    _login(client, home_staff)
    page = client.get(reverse("funeral:services")).content.decode()
    assert "本馆逝者" in page and "他馆逝者" not in page
    assert client.get(reverse("funeral:service", args=[mine.pk])).status_code == 200
    assert client.get(reverse("funeral:service", args=[theirs.pk])).status_code == 404
    assert (
        client.get(reverse("funeral:statement", args=[other_home.pk, "2021-03"])).status_code == 404
    )
    assert (
        client.get(reverse("funeral:statement_xlsx", args=[other_home.pk, "2021-03"])).status_code
        == 404
    )
    api = client.get("/api/v1/funeral/services/").json()
    assert [r["deceased_name"] for r in api["results"]] == ["本馆逝者"]
    # A district officer sees both homes.
    _login(client, officer)
    page = client.get(reverse("funeral:services")).content.decode()
    assert "本馆逝者" in page and "他馆逝者" in page
    assert client.get(reverse("funeral:service", args=[theirs.pk])).status_code == 200


def test_community_worker_without_funeral_role_gets_403(client, make_staff, home):
    from minzheng.core import roles

    _login(client, make_staff("guiyuan_worker", roles.COMMUNITY_WORKER, "440605011008"))
    assert client.get(reverse("funeral:services")).status_code == 403
    assert client.get("/api/v1/funeral/services/").status_code == 403


def test_recording_page_quotes_then_saves(client, home_staff, home):
    _login(client, home_staff)
    assert client.get(reverse("funeral:service_new")).status_code == 200
    form = {
        "idempotency_key": "k1",
        "home": home.pk,
        "deceased_name": "黄伯",
        "deceased_id_number": id_number(),
        "death_date": "2021-03-01",
        "service_date": "2021-03-02",
        "family_contact": "黄生",
        **{f"qty_{k}": v for k, v in BASIC.items()},
    }
    quote = client.post(
        reverse("funeral:service_new"), {**form, "action": "quote"}
    ).content.decode()
    assert "800.00 元" in quote and "人口库无此人记录" in quote
    assert ServiceRecord.objects.count() == 0
    response = client.post(reverse("funeral:service_new"), {**form, "action": "save"})
    record = ServiceRecord.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "funeral:service", args=[record.pk]
    )
    detail = client.get(response.url).content.decode()
    assert "为什么是这个金额" in detail and "免除金额 800.00 元" in detail
    # Double submission of the same form: still one record.
    client.post(reverse("funeral:service_new"), {**form, "action": "save"})
    assert ServiceRecord.objects.count() == 1


def test_recording_page_shows_refusal(client, home_staff, home):
    _login(client, home_staff)
    form = {
        "idempotency_key": "k2",
        "home": home.pk,
        "deceased_name": "黄伯",
        "deceased_id_number": id_number(),
        "death_date": "2021-03-01",
        "service_date": "2021-03-02",
        "qty_transport": 1,
        "action": "save",
    }
    page = client.post(reverse("funeral:service_new"), form).content.decode()
    assert "未使用遗体火化服务" in page
    assert ServiceRecord.objects.count() == 0


def test_settlement_pages_and_downloads(client, home_staff, home, officer):
    services.service_record(
        actor=home_staff, data=service_input(home, service_date=dt.date(2021, 3, 2))
    )
    _login(client, officer)
    assert "2021-03" in client.get(reverse("funeral:settlements") + "?year=2021").content.decode()
    page = client.get(reverse("funeral:statement", args=[home.pk, "2021-03"])).content.decode()
    assert "本月免除 1 人，合计 800.00 元" in page and "结算入账" in page
    response = client.post(reverse("funeral:statement_settle", args=[home.pk, "2021-03"]))
    assert response.status_code == 302
    assert "已结算入账" in client.get(response.url).content.decode()
    xlsx = client.get(reverse("funeral:statement_xlsx", args=[home.pk, "2021-03"]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    assert list(load_workbook(io.BytesIO(xlsx.content)).active.values)[-1][12] == 800.0
    assert client.get(
        reverse("funeral:statement_pdf", args=[home.pk, "2021-03"])
    ).content.startswith(b"%PDF")
    settlements = client.get("/api/v1/funeral/settlements/").json()["results"]
    assert [(s["home"], s["month"], s["total"], s["service_count"]) for s in settlements] == [
        ("测试殡仪馆甲", "2021-03-01", "800.00", 1)
    ]
    client.post(reverse("funeral:statement_reverse", args=[home.pk, "2021-03"]), {"reason": "更正"})
    assert client.get("/api/v1/funeral/settlements/").json()["results"][0]["status"] == "reversed"


def test_home_staff_cannot_settle(client, home_staff, home):
    services.service_record(
        actor=home_staff, data=service_input(home, service_date=dt.date(2021, 3, 2))
    )
    _login(client, home_staff)
    assert client.get(reverse("funeral:statement", args=[home.pk, "2021-03"])).status_code == 200
    assert (
        client.post(reverse("funeral:statement_settle", args=[home.pk, "2021-03"])).status_code
        == 403
    )


def test_api_create_and_errors(client, home_staff, home):
    _login(client, home_staff)
    body = {
        "home_id": home.pk,
        "deceased_name": "梁伯",
        "deceased_id_number": id_number(),
        "death_date": "2021-03-01",
        "service_date": "2021-03-02",
        "quantities": BASIC,
        "idempotency_key": "api-1",
    }
    created = client.post("/api/v1/funeral/services/", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["amount"] == "800.00"
    bad = client.post(
        "/api/v1/funeral/services/",
        {
            **body,
            "deceased_id_number": id_number(),
            "idempotency_key": "api-2",
            "quantities": {**BASIC, "cremation": 0},
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and "未使用遗体火化服务" in bad.json()["__all__"][0]
    unknown = client.post(
        "/api/v1/funeral/services/",
        {**body, "quantities": {"fireworks": 1}},
        content_type="application/json",
    )
    assert unknown.status_code == 400
    assert ServiceRecord.objects.count() == 1
    schema = client.get("/api/schema/")
    assert schema.status_code in (200, 403)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"death_date": "0001-01-01"}, "death_date"),
        ({"death_date": "9999-12-31"}, "death_date"),
        ({"service_date": "9999-12-31"}, "service_date"),
        ({"deceased_name": "梁\u202e伯"}, "deceased_name"),
        ({"quantities": {**BASIC, "cremation": 10**20}}, "quantities"),
        ({"quantities": {**BASIC, "cremation": 101}}, "quantities"),
        ({"home_id": 10**20}, "home_id"),
    ],
)
def test_api_refuses_insane_dates_quantities_and_bidi_names(
    client, home_staff, home, change, field
):
    _login(client, home_staff)
    body = {
        "home_id": home.pk,
        "deceased_name": "梁伯",
        "deceased_id_number": id_number(),
        "death_date": "2021-03-01",
        "service_date": "2021-03-02",
        "quantities": BASIC,
        "idempotency_key": "api-bounds",
        **change,
    }

    response = client.post("/api/v1/funeral/services/", body, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()
    assert ServiceRecord.objects.count() == 0


def test_service_list_api_and_page_ignore_a_home_that_only_looks_like_a_number(
    client, home_staff, home
):
    _login(client, home_staff)

    api = client.get("/api/v1/funeral/services/", {"home": "²"})
    page = client.get(reverse("funeral:services"), {"home": "²"})
    settlements = client.get(reverse("funeral:settlements"), {"year": "²"})

    assert (api.status_code, page.status_code) == (200, 200)
    assert settlements.status_code in (200, 403)
