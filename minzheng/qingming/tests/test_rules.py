import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from minzheng.qingming import rules

# shared/data/README.md, "Qingming": the moments in Beijing time.
FACTS = {
    2020: (4, 4, 15, 38),
    2021: (4, 4, 21, 35),
    2022: (4, 5, 3, 20),
    2023: (4, 5, 9, 13),
    2024: (4, 4, 15, 2),
    2025: (4, 4, 20, 49),
    2026: (4, 5, 2, 40),
    2027: (4, 5, 8, 17),
    2028: (4, 4, 14, 3),
}


@pytest.mark.parametrize("year", sorted(FACTS))
def test_qingming_moment_matches_the_published_time_within_a_minute(year):
    # Published times are given to the minute (rounded or cut, by source): 2025 is
    # 20:48:36 here and "20:49" there, 2027 is 08:17:31 here and "08:17" there.
    month, day, hour, minute = FACTS[year]
    moment = rules.qingming_moment(year)
    published = dt.datetime(year, month, day, hour, minute, tzinfo=rules.CHINA)
    assert abs((moment - published).total_seconds()) < 60
    assert moment.date() == published.date()
    assert moment.utcoffset() == dt.timedelta(hours=8)


def test_season_defaults_are_computed_around_the_solar_term():
    d = rules.season_defaults(2027, days_before=10, days_after=5, open_days_ahead=7)
    assert d.starts_on == dt.date(2027, 3, 26)
    assert d.ends_on == dt.date(2027, 4, 10)
    assert d.booking_opens_at == dt.datetime(2027, 3, 19, 9, 0, tzinfo=rules.CHINA)


@pytest.mark.parametrize(
    "plate",
    [
        "粤A12345",
        "粤AD12345",
        "粤AF12345",
        "粤A12345D",
        "粤A12345F",
        "粤E2B3C4",
        "京A1234学",
        " 粤a·12345 ",
    ],
)
def test_valid_plates_including_new_energy(plate):
    assert rules.validate_plate(plate) == rules.normalise_plate(plate)


@pytest.mark.parametrize(
    "plate",
    [
        "",
        "粤12345",
        "AA12345",
        "粤AI2345",
        "粤A1234",
        "粤AD123",
        "粤A1234D5",
        "粤AZ12345",
        "粤A12345G",
        "沪A123456X",
    ],
)
def test_invalid_plates_are_refused_with_an_example(plate):
    with pytest.raises(ValidationError) as exc:
        rules.validate_plate(plate)
    assert "例如 粤A12345" in exc.value.messages[0]


def test_codes_are_random_and_of_the_documented_shape():
    codes = {rules.new_booking_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 16 and c.isalnum() and c.isupper() for c in codes)
    short = rules.new_short_code()
    assert len(short) == 8 and short.isdigit()
    assert rules.format_short_code("12345678") == "1234 5678"


def test_bucket_start_floors_to_15_minutes_in_beijing_time():
    moment = dt.datetime(2027, 4, 5, 1, 44, 59, tzinfo=dt.UTC)  # 09:44:59 in Beijing
    assert rules.bucket_start(moment) == dt.datetime(2027, 4, 5, 9, 30, tzinfo=rules.CHINA)


@pytest.mark.parametrize(
    ("age", "tags", "fee", "reason"),
    [
        (50, {"dibao"}, "0.00", "低保对象免费"),
        (85, set(), "0.00", "80 周岁以上老人免费"),
        (50, set(), "80.00", "按标准收费"),
        (None, set(), "80.00", "按标准收费"),
    ],
)
def test_proxy_sweep_fee_rule(age, tags, fee, reason):
    from decimal import Decimal

    d = rules.proxy_sweep_fee(standard_fee=Decimal("80"), free_age=80, age=age, tags=tags)
    assert (str(d.fee), d.reason) == (fee, reason)
