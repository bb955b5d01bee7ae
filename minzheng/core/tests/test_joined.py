"""JoinedRow and PreparedInsert must give exactly what the ORM gives (both databases:
CI runs this file on SQLite and on PostgreSQL)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minzheng.core.joined import JoinedRow, PreparedInsert
from minzheng.core.models import Division
from minzheng.registry import pii, validators
from minzheng.registry.models import Person

pytestmark = pytest.mark.django_db

ROW = JoinedRow(
    [(Person, "p"), (Division, "d")],
    "FROM {Person} p LEFT JOIN {Division} d ON d.code = p.hukou_division_id WHERE p.id = %s",
)
ID = "440605196001010038"


def _person(**kw):
    values = dict(
        name="陈秀英",
        id_number=ID,
        id_number_hash=pii.blind_index(ID, kind="id"),
        id_number_masked=validators.mask_id_number(ID),
        birth_date=dt.date(1960, 1, 1),
        hukou_division_id="440605011000",
        residence_division_id="440605011000",
    )
    return Person(**(values | kw))


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_prepared_insert_saves_what_the_orm_reads_back_and_encrypts():
    person = PreparedInsert(Person).save(_person())
    assert person.pk and not person._state.adding
    stored = Person.objects.get(pk=person.pk)
    assert _fields(stored) == _fields(person) | {"id": person.pk}
    assert stored.id_number == ID and stored.birth_date == dt.date(1960, 1, 1)
    with connection.cursor() as cursor:  # ciphertext at rest, not the number
        cursor.execute(f"SELECT id_number FROM {Person._meta.db_table} WHERE id = %s", [person.pk])
        raw = cursor.fetchone()[0]
    assert ID not in raw


def test_joined_row_equals_the_orm_in_one_query_with_converters_applied():
    person = PreparedInsert(Person).save(_person())
    with CaptureQueriesContext(connection) as queries:
        got, division = ROW.fetch([person.pk])
    assert len(queries) == 1
    orm = Person.objects.select_related("hukou_division").get(pk=person.pk)
    assert _fields(got) == _fields(orm)
    assert isinstance(got.birth_date, dt.date) and isinstance(got.created_at, dt.datetime)
    assert got.id_number == ID  # decrypted like the ORM does
    assert _fields(division) == _fields(orm.hukou_division)


def test_joined_row_outer_side_is_none_and_a_missing_row_is_none():
    person = PreparedInsert(Person).save(_person(hukou_division_id=None))
    got, division = ROW.fetch([person.pk])
    assert got.pk == person.pk and division is None
    assert ROW.fetch([person.pk + 1000]) is None
