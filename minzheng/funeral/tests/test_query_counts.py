"""The funeral lists run the same number of queries for 2 records as for 6."""

import pytest

from minzheng.funeral import services

from .conftest import service_input


@pytest.mark.django_db
def test_service_list_does_not_query_per_record(client, home_staff, home, queries_of):
    client.force_login(home_staff)

    def page():
        response = client.get("/staff/funeral/")
        assert response.status_code == 200

    for _ in range(2):
        services.service_record(actor=home_staff, data=service_input(home))
    queries_of(page)  # warm: session, permissions and content-type caches
    few = queries_of(page)
    for _ in range(4):
        services.service_record(actor=home_staff, data=service_input(home))
    assert queries_of(page) == few


@pytest.mark.django_db
def test_settlement_list_does_not_query_per_home(
    client, officer, home_staff, home, other_staff, other_home, queries_of
):
    client.force_login(officer)

    def page():
        assert client.get("/staff/funeral/settlements/").status_code == 200

    services.service_record(actor=home_staff, data=service_input(home))
    queries_of(page)  # warm: session, permissions and content-type caches
    few = queries_of(page)
    services.service_record(actor=other_staff, data=service_input(other_home))
    services.service_record(actor=home_staff, data=service_input(home))
    assert queries_of(page) == few
