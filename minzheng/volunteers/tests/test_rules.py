import datetime as dt
from types import SimpleNamespace as NS

from django.utils import timezone

from minzheng.volunteers import rules


def _t(day: int, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2021, 6, day, hour))


def test_weekly_windows_are_replaced_on_exception_dates_and_busy_shifts_removed():
    weekly = [
        NS(weekday=5, start=dt.time(8), end=dt.time(12)),
        NS(weekday=6, start=dt.time(8), end=dt.time(18)),
    ]
    exceptions = [
        NS(date=dt.date(2021, 6, 12), available=False, start=None, end=None),
        NS(date=dt.date(2021, 6, 13), available=True, start=dt.time(14), end=dt.time(16)),
    ]
    windows = rules.availability_windows(
        weekly=weekly,
        exceptions=exceptions,
        day_from=dt.date(2021, 6, 5),
        day_to=dt.date(2021, 6, 13),
    )
    assert windows == [(_t(5, 8), _t(5, 12)), (_t(6, 8), _t(6, 18)), (_t(13, 14), _t(13, 16))]
    assert rules.subtract(windows[:2], [(_t(6, 10), _t(6, 12))]) == [
        (_t(5, 8), _t(5, 12)),
        (_t(6, 8), _t(6, 10)),
        (_t(6, 12), _t(6, 18)),
    ]


def test_service_minutes_count_only_time_inside_the_shift():
    assert rules.service_minutes(_t(5, 7), _t(5, 13), _t(5, 8), _t(5, 12)) == 240
    assert rules.service_minutes(_t(5, 9), _t(5, 10), _t(5, 8), _t(5, 12)) == 60
    assert rules.service_minutes(_t(5, 13), _t(5, 14), _t(5, 8), _t(5, 12)) == 0


def test_half_open_shifts_back_to_back_do_not_overlap():
    assert not rules.overlaps(_t(5, 8), _t(5, 10), _t(5, 10), _t(5, 12))
    assert rules.overlaps(_t(5, 8), _t(5, 11), _t(5, 10), _t(5, 12))
