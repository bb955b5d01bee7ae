"""What a screen shows beside a masked ID number never lets a reader rebuild it.

The rule (docs/architecture.md, personal data): the mask hides the county and the birth
date (4406**********123X), and lists, exports, the API and the person page show the age
instead of the birth date. Here a reader who knows the district's county codes takes a
list row and enumerates every number consistent with it: many remain, the true one
among them."""

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from minzheng.registry.rules import age_on
from minzheng.registry.validators import check_character

from .factories import id_number, person

BIRTH = dt.date(1961, 7, 14)
# Nanhai's county codes over time (440605 today, 440622 and 440682 before 2002).
COUNTIES = ("05", "22", "82")


def candidates(masked: str, age: int, sex: str, today: dt.date) -> list[str]:
    """Every valid ID number that matches a row's masked number, age and sex."""
    head, tail = masked[:4], masked[-4:]
    found = []
    day = dt.date(today.year - age - 1, 1, 1)
    while day <= today:
        if age_on(day, today) == age:
            for county in COUNTIES:
                first17 = f"{head}{county}{day:%Y%m%d}{tail[:3]}"
                odd = int(tail[2]) % 2 == 1
                if first17 + check_character(first17) == head + first17[4:] + tail[-1] and (
                    odd == (sex == "M")
                ):
                    found.append(first17 + tail[-1])
        day += dt.timedelta(days=1)
    return found


@pytest.fixture
def chen(guicheng_worker):
    return person(
        guicheng_worker, name="陈七月", id_number=id_number(birth=BIRTH), phone="13812345678"
    )


@pytest.mark.django_db
def test_a_list_row_leaves_many_candidates_for_the_number(client, guicheng_worker, chen):
    client.force_login(guicheng_worker)
    row = client.get("/api/v1/registry/persons/").json()["results"][0]
    assert "birth_date" not in row
    today = timezone.localdate()
    found = candidates(row["id_number"], row["age"], row["sex"], today)
    assert chen.id_number in found  # the enumeration is right …
    assert len(found) >= 50  # … and the row does not single the number out


@pytest.mark.django_db
def test_no_screen_shows_the_birth_date_beside_the_masked_number(client, guicheng_worker, chen):
    client.force_login(guicheng_worker)
    shown = [
        client.get("/staff/persons/").content.decode(),
        client.get(f"/staff/persons/{chen.pk}/").content.decode(),
        client.get(f"/staff/persons/{chen.pk}/edit/").content.decode(),
        client.get(f"/api/v1/registry/persons/{chen.pk}/").content.decode(),
    ]
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get("/staff/persons/export.xlsx").content)
    ).active
    shown.append(repr(list(sheet.iter_rows(values_only=True))))
    assert chen.id_number_masked in shown[0] and chen.id_number_masked in shown[4]
    for text in shown:
        for form in ("1961-07-14", "19610714", "1961年7月14日", "1961-7-14", "datetime(1961"):
            assert form not in text
        assert chen.id_number[4:6] + "1961" not in text


@pytest.mark.django_db
def test_stored_masks_of_the_old_form_are_brought_to_the_current_mask(guicheng_worker, chen):
    from django.db import connection

    from minzheng.registry.models import Person
    from minzheng.registry.remask import _update_sql

    old = chen.id_number[:6] + "********" + chen.id_number[-4:]
    Person.objects.filter(pk=chen.pk).update(id_number_masked=old)
    short = person(guicheng_worker, name="短号", id_number="")
    Person.objects.filter(pk=short.pk).update(id_number_masked="****67")
    with connection.cursor() as cursor:
        for _ in range(2):  # idempotent
            cursor.execute(
                _update_sql("registry_person", "id_number_masked", connection.ops.quote_name)
            )
    chen.refresh_from_db()
    short.refresh_from_db()
    assert chen.id_number_masked == chen.id_number[:4] + "**********" + chen.id_number[-4:]
    assert short.id_number_masked == "****67"
