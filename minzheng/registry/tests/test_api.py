import datetime as dt

import pytest
from django.utils import timezone

from minzheng.core.models import OperationLog
from minzheng.registry.models import Organisation, Person
from minzheng.registry.rules import age_on

from .factories import id_number, person


@pytest.mark.django_db
def test_create_person_through_api(client, guicheng_worker):
    client.force_login(guicheng_worker)
    number = id_number(sex="F")
    response = client.post(
        "/api/v1/registry/persons/",
        {
            "name": "何丽芳",
            "id_number": number,
            "phone": "13712345678",
            "residence_division": "440605011004",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["sex"], body["age"], body["id_number"], body["phone"]) == (
        "F",
        age_on(dt.date(1990, 1, 1), timezone.localdate()),
        number[:4] + "**********" + number[-4:],
        "137****5678",
    )


@pytest.mark.django_db
def test_bad_input_is_400_with_field_messages_in_chinese_and_writes_nothing(
    client, guicheng_worker
):
    client.force_login(guicheng_worker)
    response = client.post(
        "/api/v1/registry/persons/",
        {
            "name": "何丽芳",
            "id_number": "440605199001011235",
            "phone": "12345",
            "residence_division": "440605011004",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"id_number", "phone"}
    assert "校验位不正确" in errors["id_number"][0]
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_errors_in_english_when_asked(client, guicheng_worker):
    client.force_login(guicheng_worker)
    response = client.post(
        "/api/v1/registry/persons/",
        {"name": "", "residence_division": "440605011004"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["name"] == ["This field may not be blank."]


@pytest.mark.django_db
def test_filters(client, guicheng_worker):
    import datetime as dt

    person(guicheng_worker, name="陈一", id_number=id_number(dt.date(1940, 5, 1), prefix="440622"))
    person(
        guicheng_worker,
        name="陈二",
        id_number=id_number(dt.date(2005, 5, 1), sex="F"),
        division="440605011004",
    )
    person(guicheng_worker, name="李三", id_number=id_number(dt.date(1995, 5, 1), prefix="440682"))
    client.force_login(guicheng_worker)

    def names(**params):
        return sorted(
            r["name"] for r in client.get("/api/v1/registry/persons/", params).json()["results"]
        )

    assert names(q="陈") == ["陈一", "陈二"]
    assert names(sex="F") == ["陈二"]
    assert names(tag="elderly_80") == ["陈一"]
    assert names(division="440605011004") == ["陈二"]
    assert names(age_min=25, age_max=40) == ["李三"]
    assert names(include_void="true", age_max=150) == ["李三", "陈一", "陈二"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"age_min": "763034"}, "age_min", "请确保该值小于或者等于 150。"),
        ({"age_max": str(-(2**61))}, "age_max", "请确保该值大于或者等于 0。"),
        ({"age_max": "10^20"}, "age_max", "请填写合法的整数值。"),
    ],
)
def test_out_of_range_age_filter_is_400_in_chinese(client, guicheng_worker, params, field, message):
    client.force_login(guicheng_worker)

    response = client.get("/api/v1/registry/persons/", params)

    assert response.status_code == 400
    assert response.json() == {field: [message]}


@pytest.mark.django_db
@pytest.mark.parametrize("phone", [0, 7, 1.5, True])
def test_person_with_a_non_text_or_short_phone_is_400_on_create_and_update(
    client, guicheng_worker, phone
):
    existing = person(guicheng_worker, name="陈一")
    client.force_login(guicheng_worker)
    body = {"name": "何丽芳", "phone": phone, "residence_division": "440605011004"}

    created = client.post("/api/v1/registry/persons/", body, content_type="application/json")
    updated = client.put(
        f"/api/v1/registry/persons/{existing.pk}/", body, content_type="application/json"
    )

    assert (created.status_code, updated.status_code) == (400, 400)
    assert set(created.json()) == set(updated.json()) == {"phone"}
    assert list(Person.objects.values_list("name", flat=True)) == ["陈一"]


@pytest.mark.django_db
@pytest.mark.parametrize("phone", [0, 1e20])
def test_organisation_with_a_non_text_or_short_phone_is_400(client, guicheng_worker, phone):
    client.force_login(guicheng_worker)
    body = {
        "name": "南海社工协会",
        "kind": "social_org",
        "division": "440605011000",
        "contact_phone": phone,
    }

    response = client.post("/api/v1/registry/organisations/", body, content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"contact_phone"}
    assert Organisation.objects.count() == 0


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_page_size(client, guicheng_worker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(30):
        person(guicheng_worker, name=f"陈{i}", id_number=id_number())
    client.force_login(guicheng_worker)
    client.get("/api/v1/registry/persons/")  # warm the session and permission caches
    with CaptureQueriesContext(connection) as small:
        assert len(client.get("/api/v1/registry/persons/", {"page_size": 5}).json()["results"]) == 5
    with CaptureQueriesContext(connection) as large:
        assert (
            len(client.get("/api/v1/registry/persons/", {"page_size": 30}).json()["results"]) == 30
        )
    assert len(small.captured_queries) == len(large.captured_queries) <= 6


@pytest.mark.django_db
def test_list_page_list_api_and_export_never_decrypt(client, guicheng_worker, monkeypatch):
    from minzheng.registry import pii

    for i in range(3):
        person(guicheng_worker, name=f"陈{i}", id_number=id_number(), phone=f"1380013800{i}")
    client.force_login(guicheng_worker)

    def refuse(value):
        raise AssertionError("a list decrypted a stored value")

    monkeypatch.setattr(pii, "decrypt", refuse)
    api = client.get("/api/v1/registry/persons/").json()["results"]
    assert len(api) == 3 and all("*" in r["id_number"] and "*" in r["phone"] for r in api)
    assert client.get("/staff/persons/").status_code == 200
    assert client.get("/staff/persons/export.xlsx").status_code == 200


@pytest.mark.django_db
def test_reveal_through_api_is_logged(client, guicheng_worker):
    p = person(guicheng_worker, id_number=id_number(), phone="13812345678")
    client.force_login(guicheng_worker)
    response = client.post(
        f"/api/v1/registry/persons/{p.pk}/reveal/",
        {"reason": "核对"},
        content_type="application/json",
    )
    assert response.json() == {"id_number": p.id_number, "phone": "13812345678"}
    assert OperationLog.objects.get(action="reveal").detail == {"reason": "核对"}


@pytest.mark.django_db
def test_openapi_schema_lists_the_resources(client):
    schema = client.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/registry/persons/",
        "/api/v1/registry/households/",
        "/api/v1/registry/organisations/",
        "/api/v1/core/divisions/",
        "/api/v1/core/parameters/",
    ):
        assert path in schema["paths"]
    assert "swagger-ui" in client.get("/api/docs/").content.decode()


BIDI_MESSAGE = "不能包含文字方向控制符（如 U+202E）：它们会让显示的文字与实际内容不一致。"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"birth_date": "0001-01-01"}, "birth_date", "出生日期不能早于 1900 年 1 月 1 日。"),
        ({"birth_date": "9999-12-31"}, "birth_date", "出生日期不能晚于今天。"),
        ({"name": "陈\u202e文大"}, "name", BIDI_MESSAGE),
        ({"name": "陈\u2066大文\u2069"}, "name", BIDI_MESSAGE),
        ({"name": "\u200f陈大文"}, "name", BIDI_MESSAGE),
    ],
)
def test_person_with_an_insane_birth_date_or_bidi_name_is_400(
    client, guicheng_worker, change, field, message
):
    client.force_login(guicheng_worker)
    body = {"name": "何丽芳", "residence_division": "440605011004", **change}

    response = client.post("/api/v1/registry/persons/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert Person.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["name", "contact_name"])
def test_organisation_with_a_bidi_name_is_400(client, guicheng_worker, field):
    client.force_login(guicheng_worker)
    body = {"name": "南海社工协会", "kind": "social_org", "division": "440605011000"}
    body[field] = "南海\u202e会协工社"

    response = client.post("/api/v1/registry/organisations/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {field: [BIDI_MESSAGE]}
    assert Organisation.objects.count() == 0
