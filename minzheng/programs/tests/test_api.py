"""The programmes API: scope, masking, bad input → 400 with nothing written."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from minzheng.programs import services
from minzheng.programs.models import Application

from .conftest import GUICHENG_COMMUNITY, id_number, ta_input

pytestmark = pytest.mark.django_db


def test_list_detail_and_scope(funded, town_worker, jiujiang_case):
    app = services.application_submit(actor=town_worker, data=ta_input())
    client = APIClient()
    client.force_authenticate(town_worker)
    rows = client.get("/api/v1/programs/applications/?queue=accept").json()["results"]
    assert [r["number"] for r in rows] == [app.number]
    assert rows[0]["applicant_id_number"].startswith("4406**********")
    detail = client.get(f"/api/v1/programs/applications/{app.pk}/").json()
    assert (
        detail["decision"]["amount"] == "10440.00"
        and "按政策测算救助金额" in detail["decision"]["explanation"]
    )
    client.force_authenticate(jiujiang_case)
    assert client.get(f"/api/v1/programs/applications/{app.pk}/").status_code == 404
    assert client.get("/api/v1/programs/applications/?queue=accept").json()["results"] == []


def test_post_bad_input_is_400_and_writes_nothing(funded, town_worker):
    client = APIClient()
    client.force_authenticate(town_worker)
    body = {
        "programme": "temporary_assistance",
        "division": GUICHENG_COMMUNITY,
        "applicant_name": "陈大文",
        "applicant_id_number": id_number(),
        "bank_account": "62220001",
        "idempotency_key": "api-1",
        "facts": {
            "category": "emergency",
            "cause": "medical",
            "event_date": "2026-01-01",
            "household_size": 2,
            "monthly_income_per_person": "500",
            "description": "x",
        },
    }
    response = client.post("/api/v1/programs/applications/", body, format="json")
    assert response.status_code == 400 and "急难型救助的事由应为" in response.json()["cause"][0]
    assert Application.objects.count() == 0
    body["facts"]["cause"] = "fire"
    response = client.post("/api/v1/programs/applications/", body, format="json")
    assert response.status_code == 201 and response.json()["state"] == "submitted"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"facts": {"household_size": 10**20}},
            "household_size",
            "“家庭人口（人）”须为 1 至 99 之间的整数。",
        ),
        (
            {"facts": {"household_size": 0}},
            "household_size",
            "“家庭人口（人）”须为 1 至 99 之间的整数。",
        ),
        ({"facts": {"household_size": 2.5}}, "household_size", "“家庭人口（人）”的取值无效。"),
        (
            {"facts": {"monthly_income_per_person": "1000000000"}},
            "monthly_income_per_person",
            "“家庭人均月收入（元）”须为 0 至 99999999.99 之间的金额。",
        ),
        ({"facts": {"event_date": "9999-12-31"}}, "event_date", None),
        ({"facts": {"event_date": "0001-01-01"}}, "event_date", None),
        ({"applicant_name": "陈\u202e文大"}, "applicant_name", None),
    ],
)
def test_out_of_range_facts_and_bidi_names_are_400_and_write_nothing(
    funded, town_worker, change, field, message
):
    client = APIClient()
    client.force_authenticate(town_worker)
    facts = {
        "category": "emergency",
        "cause": "fire",
        "event_date": "2026-01-01",
        "household_size": 2,
        "monthly_income_per_person": "500",
        "description": "x",
    }
    facts.update(change.pop("facts", {}))
    body = {
        "programme": "temporary_assistance",
        "division": GUICHENG_COMMUNITY,
        "applicant_name": "陈大文",
        "applicant_id_number": id_number(),
        "bank_account": "62220001",
        "idempotency_key": "api-bounds",
        "facts": facts,
        **change,
    }

    response = client.post("/api/v1/programs/applications/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    if message:
        assert response.json()[field] == [message]
    assert Application.objects.count() == 0
