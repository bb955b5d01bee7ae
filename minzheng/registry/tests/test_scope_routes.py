"""A 桂城街道 worker cannot reach a 九江镇 person by any route: list, detail, search,
export, admin or API (the admin is closed to them). Out of scope is 404, exactly like a record that does not exist."""

import io

import openpyxl
import pytest

from .factories import id_number, person


@pytest.fixture
def jiujiang_person(jiujiang_worker):
    return person(
        jiujiang_worker,
        name="关九江",
        division="440605121201",
        id_number=id_number(),
        phone="13900001111",
    )


@pytest.fixture
def guicheng_person(guicheng_worker):
    return person(
        guicheng_worker,
        name="陈桂城",
        division="440605011001",
        id_number=id_number(),
        phone="13900002222",
    )


@pytest.mark.django_db
def test_pages_do_not_show_other_towns_records(
    client, guicheng_worker, jiujiang_person, guicheng_person
):
    client.force_login(guicheng_worker)
    listing = client.get("/staff/persons/").content.decode()
    assert "陈桂城" in listing and "关九江" not in listing
    hidden, shown = f"/staff/persons/{jiujiang_person.pk}/", f"/staff/persons/{guicheng_person.pk}/"
    assert client.get(f"/staff/persons/{jiujiang_person.pk}/").status_code == 404
    assert client.get(f"/staff/persons/{jiujiang_person.pk}/edit/").status_code == 404
    assert client.post(f"/staff/persons/{jiujiang_person.pk}/reveal/").status_code == 404
    assert (
        client.post(f"/staff/persons/{jiujiang_person.pk}/void/", {"reason": "x"}).status_code
        == 404
    )
    # search by name, exact ID number and phone
    for q in ("关九江", jiujiang_person.id_number, "13900001111"):
        page = client.get("/staff/persons/", {"q": q}).content.decode()
        assert hidden not in page and "没有符合条件的人员" in page
    assert shown in client.get("/staff/persons/", {"q": guicheng_person.id_number}).content.decode()


@pytest.mark.django_db
def test_export_contains_only_own_scope_and_masked_values(
    client, guicheng_worker, jiujiang_person, guicheng_person
):
    client.force_login(guicheng_worker)
    response = client.get("/staff/persons/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "陈桂城" in cells and "关九江" not in cells
    assert guicheng_person.id_number not in cells and guicheng_person.id_number_masked in cells
    assert "13900002222" not in cells and "139****2222" in cells


@pytest.mark.django_db
def test_admin_is_closed_to_town_workers_and_holds_no_persons(
    client, guicheng_worker, admin_user, jiujiang_person, guicheng_person
):
    client.force_login(guicheng_worker)
    for url in ("/admin/", f"/admin/registry/person/{jiujiang_person.pk}/history/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    # Persons are kept on the workbench, not in the admin: even the administrator finds none.
    client.force_login(admin_user)
    assert client.get("/admin/registry/person/").status_code == 404
    assert client.get(f"/admin/registry/person/{jiujiang_person.pk}/history/").status_code == 404


@pytest.mark.django_db
def test_api_is_scoped_and_masked(client, guicheng_worker, jiujiang_person, guicheng_person):
    client.force_login(guicheng_worker)
    rows = client.get("/api/v1/registry/persons/").json()["results"]
    assert [r["name"] for r in rows] == ["陈桂城"]
    assert (
        rows[0]["id_number"] == guicheng_person.id_number_masked
        and rows[0]["phone"] == "139****2222"
    )
    assert client.get(f"/api/v1/registry/persons/{jiujiang_person.pk}/").status_code == 404
    assert client.post(f"/api/v1/registry/persons/{jiujiang_person.pk}/reveal/").status_code == 404
    assert (
        client.get("/api/v1/registry/persons/", {"q": jiujiang_person.id_number}).json()["results"]
        == []
    )


@pytest.mark.django_db
def test_leader_reads_everything_and_writes_nothing(
    client, leader, jiujiang_person, guicheng_person
):
    client.force_login(leader)
    names = {r["name"] for r in client.get("/api/v1/registry/persons/").json()["results"]}
    assert names == {"关九江", "陈桂城"}
    response = client.post(
        "/api/v1/registry/persons/",
        {"name": "新人", "residence_division": "440605011001"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert client.get("/staff/persons/new/").status_code == 403
    assert client.post(f"/staff/persons/{guicheng_person.pk}/reveal/").status_code == 403


@pytest.mark.django_db
def test_anonymous_and_residents_get_nothing(client, guicheng_person):
    from minzheng.core.models import User

    assert client.get("/api/v1/registry/persons/").status_code in (401, 403)
    assert client.get("/staff/persons/").status_code == 302
    resident = User.objects.create_user(username="r-x", kind=User.Kind.RESIDENT)
    client.force_login(resident)
    assert client.get("/api/v1/registry/persons/").status_code == 403
    assert client.get(f"/staff/persons/{guicheng_person.pk}/").status_code == 404
