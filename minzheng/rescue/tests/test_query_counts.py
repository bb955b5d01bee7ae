"""The rescue lists run the same number of queries for 1 row as for 4."""

import datetime as dt

import pytest

from minzheng.rescue import services

from .conftest import intake, report_input


@pytest.mark.django_db
def test_report_and_case_lists_do_not_query_per_row(client, rescue_staff, station, queries_of):
    client.force_login(rescue_staff)

    def pages():
        for url in ("/staff/rescue/reports/", "/staff/rescue/"):
            assert client.get(url).status_code == 200

    services.report_create(actor=rescue_staff, data=report_input(), source="counter")
    services.case_intake(actor=rescue_staff, station=station, data=intake())
    queries_of(pages)  # warm: session, permissions and content-type caches
    few = queries_of(pages)
    for i in range(3):
        services.report_create(
            actor=rescue_staff,
            data=report_input(name=f"李{i}明", missing_date=dt.date(2021, 2, 1 + i)),
            source="counter",
        )
        services.case_intake(actor=rescue_staff, station=station, data=intake(told_name=f"阿{i}"))
    assert queries_of(pages) == few
