"""core.validators: the sane range of every typed date, and the one check on names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from minzheng.core import validators as v

TODAY = dt.date(2026, 4, 4)


def code_of(func, *args, **kwargs) -> str:
    with pytest.raises(ValidationError) as excinfo:
        func(*args, **kwargs)
    return excinfo.value.code


def test_birth_dates_from_1900_to_today():
    assert v.validate_birth_date(dt.date(1900, 1, 1), today=TODAY) == dt.date(1900, 1, 1)
    assert v.validate_birth_date(TODAY, today=TODAY) == TODAY
    assert code_of(v.validate_birth_date, dt.date(1, 1, 1), today=TODAY) == "birth_date_too_early"
    assert code_of(v.validate_birth_date, dt.date(1899, 12, 31)) == "birth_date_too_early"
    assert code_of(v.validate_birth_date, dt.date(2026, 4, 5), today=TODAY) == "future_birth_date"


def test_event_dates_from_2000_to_five_years_ahead():
    assert v.validate_event_date(dt.date(2000, 1, 1), today=TODAY) == dt.date(2000, 1, 1)
    assert v.validate_event_date(dt.date(2031, 4, 4), today=TODAY) == dt.date(2031, 4, 4)
    for day in (dt.date(1999, 12, 31), dt.date(2031, 4, 5), dt.date(9999, 12, 31)):
        assert code_of(v.validate_event_date, day, today=TODAY) == "event_date_out_of_range"


def test_event_window_from_29_february_ends_on_28_february():
    assert v.latest_event_date(dt.date(2028, 2, 29)) == dt.date(2033, 2, 28)


def test_past_dates_from_1900_to_today():
    assert v.validate_past_date(dt.date(1950, 6, 1), today=TODAY) == dt.date(1950, 6, 1)
    assert code_of(v.validate_past_date, dt.date(1, 1, 1)) == "past_date_out_of_range"
    assert code_of(v.validate_past_date, dt.date(2026, 4, 5), today=TODAY) == (
        "past_date_out_of_range"
    )


def test_a_datetime_is_checked_by_its_date_and_anything_else_is_refused():
    assert v.validate_event_date(dt.datetime(2026, 4, 4, 9, 0), today=TODAY) == TODAY
    assert code_of(v.validate_event_date, "2026-04-04") == "invalid_date"


def test_event_date_message_names_the_window():
    with pytest.raises(ValidationError) as excinfo:
        v.validate_event_date(dt.date(9999, 12, 31), today=TODAY)
    assert excinfo.value.messages == ["日期须在 2000-01-01 至 2031-04-04 之间。"]


def test_parse_event_date_names_the_field():
    assert v.parse_event_date(" 2026-04-04 ") == TODAY
    with pytest.raises(ValidationError) as excinfo:
        v.parse_event_date("9999-12-31", field="day")
    assert list(excinfo.value.message_dict) == ["day"]
    with pytest.raises(ValidationError) as excinfo:
        v.parse_event_date("2026-13-01")
    assert excinfo.value.message_dict == {"date": ["日期格式须为 YYYY-MM-DD。"]}


@pytest.mark.parametrize(
    "control",
    [
        "\u200e",
        "\u200f",
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
    ],
)
def test_names_with_text_direction_controls_are_refused(control):
    assert code_of(v.validate_name, f"陈{control}大文") == "bidi_control"
    assert v.name_error(f"陈{control}大文") == (
        "不能包含文字方向控制符（如 U+202E）：它们会让显示的文字与实际内容不一致。"
    )


@pytest.mark.parametrize("name", ["陈大文", "阿依古丽·买买提", "Mary Chan", "", None, 5])
def test_ordinary_names_pass(name):
    v.validate_name(name)
    assert v.name_error(name) is None


@pytest.mark.parametrize(
    ("value", "number"),
    [(7, 7), ("42", 42), (" 42 ", 42), ("-3", -3), (2**63 - 1, 2**63 - 1), ("0", 0)],
)
def test_as_int_reads_ascii_whole_numbers(value, number):
    assert v.as_int(value) == number


@pytest.mark.parametrize("value", ["²", "١٢", "1.5", "", None, True, 1.0, 2**63, str(10**20), []])
def test_as_int_refuses_what_int_or_the_database_cannot_take(value):
    assert v.as_int(value) is None


def test_as_id_is_positive():
    assert (v.as_id("5"), v.as_id("0"), v.as_id(-5)) == (5, None, None)
