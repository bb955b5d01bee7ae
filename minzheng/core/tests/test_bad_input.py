"""Requests no view can serve: a NUL byte anywhere in the input is 400 (PostgreSQL refuses
NUL in text, so these were server errors there), a lost database is 503 with Retry-After."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from rest_framework.authtoken.models import Token

from minzheng.registry.models import Household, Organisation, Person

NUL_MESSAGE = "内容含有不可见的空字符（NUL），请删除后重新提交。"

# Every staff list with a free-text search box or filter read straight from the query.
STAFF_LISTS = [
    "/staff/persons/",
    "/staff/households/",
    "/staff/organisations/",
    "/staff/qingming/reservations/",
    "/staff/qingming/moderation/",
    "/staff/rescue/",
    "/staff/rescue/reports/",
    "/staff/volunteers/people/",
    "/staff/funeral/",
    "/staff/operation-log/",
]


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def api_client(client, admin_user):
    token, _ = Token.objects.get_or_create(user=admin_user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("url", STAFF_LISTS)
def test_nul_in_staff_list_search_is_400_page_in_chinese(staff_client, url):
    response = staff_client.get(url, {"q": "陈\x00", "status": "\x00", "home": "\x00"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert NUL_MESSAGE in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/registry/persons/",
        "/api/v1/registry/households/",
        "/api/v1/registry/organisations/",
        "/api/v1/qingming/reservations/",
    ],
)
def test_nul_in_api_search_is_400_naming_the_parameter(api_client, url):
    response = api_client.get(url, {"q": "\x00"})

    assert response.status_code == 400
    assert response.json() == {"q": [NUL_MESSAGE]}


@pytest.mark.django_db
def test_nul_in_cancel_url_is_400_and_cancels_nothing(api_client, staff_client):
    api = api_client.post("/api/v1/qingming/reservations/AB%00CD/cancel/")
    page = staff_client.post("/portal/qingming/bookings/AB%00CD/cancel/")

    assert api.status_code == 400
    assert api.json() == {"non_field_errors": [NUL_MESSAGE]}
    assert page.status_code == 400


@pytest.mark.django_db
def test_nul_in_json_body_is_400_naming_the_field_and_writes_nothing(api_client):
    body = {"name": "陈\x00大文", "residence_division": "440605011001", "phone": "13812345678"}

    response = api_client.post(
        "/api/v1/registry/persons/", json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"name": [NUL_MESSAGE]}
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_an_escaped_backslash_before_u0000_is_not_a_nul(api_client):
    body = {"name": "陈大文", "residence_division": "440605011001", "address": "\\u0000"}

    response = api_client.post(
        "/api/v1/registry/persons/", json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 201
    assert Person.objects.get().address == "\\u0000"


@pytest.mark.django_db
def test_nul_in_form_value_is_400_and_writes_nothing(staff_client):
    response = staff_client.post(
        "/staff/households/new/", {"number": "H\x001", "division": "440605011001"}
    )

    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    assert Household.objects.count() == 0


@pytest.mark.django_db
def test_nul_in_a_header_is_400(api_client):
    response = api_client.get(
        "/api/v1/qingming/cemeteries/", HTTP_IDEMPOTENCY_KEY="k\x00", HTTP_ACCEPT="*/*"
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [NUL_MESSAGE]}


@pytest.mark.django_db
def test_nul_message_follows_the_users_language(api_client):
    api_client.cookies["mz_lang"] = "en"

    response = api_client.get("/api/v1/registry/organisations/", {"q": "\x00"})

    assert response.status_code == 400
    assert response.json() == {
        "q": ["The input holds an invisible null character (NUL); remove it and submit again."]
    }


# --- a lost database ---------------------------------------------------------------------


def _lost_connection(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db
def test_lost_database_on_an_api_view_is_503_with_retry_after(api_client):
    with mock.patch("django.db.models.query.QuerySet._fetch_all", _lost_connection):
        response = api_client.get("/api/v1/registry/organisations/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"detail": "系统繁忙，数据库暂时无法连接，请稍后再试。"}


@pytest.mark.django_db
def test_interface_error_on_a_page_is_503_page_with_retry_after(staff_client, admin_user):
    def closed(*args, **kwargs):
        raise InterfaceError("connection already closed")

    staff_client.get("/staff/organisations/")  # the session and user are loaded
    with mock.patch("minzheng.registry.selectors.organisation_list", closed):
        response = staff_client.get("/staff/organisations/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "系统繁忙，数据库暂时无法连接，请稍后再试。" in response.content.decode()


@pytest.mark.django_db
def test_lost_database_in_an_api_write_is_503_and_writes_nothing(api_client):
    body = {"name": "南海社工协会", "kind": "social_org", "division": "440605011000"}
    with mock.patch("minzheng.registry.services.organisation_register", _lost_connection):
        response = api_client.post(
            "/api/v1/registry/organisations/", json.dumps(body), content_type="application/json"
        )

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert Organisation.objects.count() == 0


@pytest.mark.django_db
def test_a_malformed_multipart_body_is_left_to_the_api_parser_and_its_json_400(api_client):
    response = api_client.post(
        "/api/v1/registry/organisations/",
        b"--x\r\nContent-Disposition: form-data\r\n\r\nbroken",
        content_type="multipart/form-data; boundary=",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["detail"]  # DRF's parse error, not Django's plain page
    assert Organisation.objects.count() == 0
