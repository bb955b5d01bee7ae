"""Closed cases can be found: a search over every application in scope, and its export."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from minzheng.core.models import OperationLog
from minzheng.programs import services

from .conftest import D1, id_number, ta_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(funded, town_worker, jiujiang_case, officer):
    number = id_number("19700101")
    closed = services.application_submit(
        actor=town_worker, data=ta_input(applicant_name="陈大文", applicant_id_number=number), on=D1
    )
    services.application_refuse(actor=officer, application=closed, reasons="不符合条件", on=D1)
    open_ = services.application_submit(
        actor=town_worker,
        data=ta_input(applicant_name="李小梅", idempotency_key="b", facts={"cause": "traffic"}),
        on=D1,
    )
    other_town = services.application_submit(
        actor=jiujiang_case,
        data=ta_input(applicant_name="九江人", division_code="440605121201", idempotency_key="c"),
        on=D1,
    )
    return closed, open_, other_town, number


def test_a_refused_case_of_an_earlier_year_is_found_by_name_number_or_id(
    client, cases, town_worker
):
    closed, open_, other_town, number = cases
    client.force_login(town_worker)
    page = client.get("/staff/programs/cases/", {"year": 2021, "state": "refused"}).content.decode()
    assert closed.number in page and open_.number not in page and other_town.number not in page
    for text in ("陈大", closed.number, number):
        page = client.get("/staff/programs/cases/", {"text": text}).content.decode()
        assert closed.number in page and open_.number not in page
    assert other_town.number not in client.get("/staff/programs/cases/").content.decode()
    assert "全部申请（含已办结）" in client.get("/staff/programs/").content.decode()


def test_the_search_exports_what_it_found_with_masked_ids_and_logs_it(client, cases, town_worker):
    closed, open_, other_town, number = cases
    client.force_login(town_worker)
    response = client.get("/staff/programs/cases/", {"year": 2021, "format": "xlsx"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("申请编号", "救助项目", "申请人", "身份证号码")
    assert sorted(r[0] for r in rows[1:]) == sorted([closed.number, open_.number])
    assert all(number not in str(r) for r in rows)  # masked only
    assert {r[6] for r in rows[1:]} == {"不予救助", "待受理"}
    assert OperationLog.objects.filter(action="export", summary="导出救助申请 2 条").exists()
