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
        and "核定救助金额" in detail["decision"]["explanation"]
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
