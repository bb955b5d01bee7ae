import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from minzheng.qingming import selectors, services
from minzheng.qingming.models import CheckIn, GateBucket, Reservation, WalkInDay

from .factories import at, id_number, set_param

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(resident, make_slot, today):
    """A booking for today 10:00 with a car, made at 07:00."""
    slot = make_slot(day=today, start=10)
    r, _ = services.reservation_create(
        actor=resident,
        slot_id=slot.pk,
        now=at(today, 7),
        visitor=services.VisitorInput(
            name="陈秀英", id_number=id_number(), party_size=3, plate="粤A12345"
        ),
    )
    return r


def scan(staff, gate, code, direction="in", nonce="nonce-0001", minute=5, today=None):
    return services.checkin_scan(
        actor=staff,
        code=code,
        gate_id=gate.pk,
        direction=direction,
        nonce=nonce,
        now=at(today or dt.date.today(), 10, minute),
    )


class _Sums:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def bucket(gate):
    """The gate's counts summed over its buckets (one bucket: also its start)."""
    from django.db.models import Max, Sum

    fields = ("arrivals", "reentries", "departures", "cars_in", "cars_out")
    sums = GateBucket.objects.filter(gate=gate).aggregate(
        starts_at=Max("starts_at"), **{f: Sum(f) for f in fields}
    )
    return _Sums(**sums)


def test_qr_entry_counts_people_and_car_in_the_gates_bucket(staff, gate, booked, today):
    result = scan(staff, gate, services.qr_payload(booked), today=today)
    assert (result.replayed, result.checkin.people, result.checkin.cars) == (False, 3, 1)
    booked.refresh_from_db()
    assert booked.status == "checked_in"
    b = bucket(gate)
    assert (b.arrivals, b.cars_in, b.departures) == (3, 1, 0)
    assert b.starts_at == at(today, 10, 0)


def test_retried_scan_with_the_same_nonce_is_harmless(staff, gate, booked, today):
    first = scan(staff, gate, booked.code, today=today)
    again = scan(staff, gate, booked.code, today=today)
    assert (again.replayed, again.checkin.pk) == (True, first.checkin.pk)
    assert CheckIn.objects.count() == 1 and bucket(gate).arrivals == 3


def test_second_entry_is_refused_unless_the_rule_allows(staff, gate, booked, today):
    scan(staff, gate, booked.short_code, today=today)
    with pytest.raises(services.ScanRefused) as exc:
        scan(staff, gate, booked.short_code, nonce="nonce-0002", today=today)
    assert exc.value.reason == "already_inside"
    scan(
        staff, gate, booked.short_code, direction="out", nonce="nonce-0003", minute=50, today=today
    )
    with pytest.raises(services.ScanRefused) as exc:
        scan(staff, gate, booked.short_code, nonce="nonce-0004", minute=55, today=today)
    assert exc.value.reason == "reentry_refused"
    set_param("qingming_allow_reentry", "true", "boolean")
    result = scan(staff, gate, booked.short_code, nonce="nonce-0005", minute=56, today=today)
    assert result.checkin.is_reentry is True
    b = bucket(gate)
    assert (b.arrivals, b.reentries, b.departures, b.cars_in, b.cars_out) == (3, 3, 3, 2, 1)
    assert CheckIn.objects.count() == 3
    assert services.reconcile() == []
    # each move is a declared one, logged once (refused scans log nothing)
    assert list(booked.logs.values_list("name", "from_state", "to_state")) == [
        ("enter", "booked", "checked_in"),
        ("leave", "checked_in", "left"),
        ("reenter", "left", "checked_in"),
    ]


def test_exit_without_entry_is_refused(staff, gate, booked, today):
    with pytest.raises(services.ScanRefused) as exc:
        scan(staff, gate, booked.code, direction="out", today=today)
    assert exc.value.reason == "not_inside"
    assert CheckIn.objects.count() == 0


def test_code_of_another_day_or_cemetery_is_refused_and_writes_nothing(
    staff, gate, other_cemetery, resident, make_slot, today
):
    tomorrow = make_slot()
    r, _ = services.reservation_create(
        actor=resident,
        slot_id=tomorrow.pk,
        visitor=services.VisitorInput(name="李四", id_number=id_number(), party_size=1),
    )
    with pytest.raises(services.ScanRefused) as exc:
        scan(staff, gate, services.qr_payload(r), today=today)
    assert exc.value.reason == "wrong_day"
    other_gate = other_cemetery.gates.get()
    with pytest.raises(services.ScanRefused) as exc:
        services.checkin_scan(
            actor=staff,
            code=r.code,
            gate_id=other_gate.pk,
            direction="in",
            nonce="nonce-0009",
            now=at(tomorrow.date, 10),
        )
    assert exc.value.reason == "wrong_cemetery"
    assert CheckIn.objects.count() == 0 and GateBucket.objects.count() == 0
    assert Reservation.objects.get(pk=r.pk).status == "booked"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda qr: qr.replace(qr.split(":")[0], qr.split(":")[0][:-2] + "AA"),  # payload changed
        lambda qr: qr[:-3] + "xyz",  # signature changed
        lambda qr: "eyJpIjoxLCJkIjoiMjA5MC0wMS0wMSIsImMiOjEsImsiOiJBQUFBIn0:1abcde:forgedsignature",
    ],
)
def test_tampered_or_forged_qr_is_bad_input(staff, gate, booked, today, mangle):
    with pytest.raises(ValidationError) as exc:
        scan(staff, gate, mangle(services.qr_payload(booked)), today=today)
    assert exc.value.message_dict["code"][0] in (
        "二维码无法验证（不是本系统的预约码，或已被改动），请让祭扫人重新打开预约记录出示。",
        "二维码与预约记录不一致，请核对。",
    )
    assert CheckIn.objects.count() == 0


def test_unknown_short_code_is_bad_input(staff, gate, booked, today):
    wrong = f"{(int(booked.short_code) + 1) % 10**8:08d}"
    with pytest.raises(ValidationError):
        scan(staff, gate, wrong, today=today)


def test_queued_offline_scan_keeps_its_own_time(staff, gate, booked, today):
    result = services.checkin_scan(
        actor=staff,
        code=booked.code,
        gate_id=gate.pk,
        direction="in",
        nonce="offline-1",
        scanned_at=at(today, 10, 20),
        now=at(today, 11, 30),
    )
    assert result.checkin.scanned_at == at(today, 10, 20)
    assert bucket(gate).starts_at == at(today, 10, 15)
    with pytest.raises(ValidationError):
        services.checkin_scan(
            actor=staff,
            code=booked.code,
            gate_id=gate.pk,
            direction="out",
            nonce="offline-2",
            scanned_at=at(today, 13),
            now=at(today, 11, 30),
        )


def test_walk_ins_only_on_walk_in_days_green_channel_any_day(staff, gate, season, today):
    with pytest.raises(services.ScanRefused) as exc:
        services.checkin_count(
            actor=staff,
            gate_id=gate.pk,
            direction="in",
            people=2,
            nonce="walk-0001",
            now=at(today, 9),
        )
    assert exc.value.reason == "booking_required"
    services.checkin_count(
        actor=staff,
        gate_id=gate.pk,
        direction="in",
        people=1,
        kind="green",
        nonce="green-0001",
        now=at(today, 9),
    )
    WalkInDay.objects.create(season=season, date=today)
    services.checkin_count(
        actor=staff,
        gate_id=gate.pk,
        direction="in",
        people=2,
        cars=1,
        nonce="walk-0002",
        now=at(today, 9, 20),
    )
    services.checkin_count(
        actor=staff,
        gate_id=gate.pk,
        direction="out",
        people=1,
        nonce="walk-0003",
        now=at(today, 9, 40),
    )
    rows, _ratio = selectors.live_overview(user=staff, day=today)
    live = next(r for r in rows if r.cemetery.pk == gate.cemetery_id)
    assert (live.inside, live.arrivals, live.green, live.cars_parked, live.car_capacity) == (
        2,
        3,
        1,
        1,
        10,
    )
    assert services.reconcile() == []


def test_live_view_warns_over_the_threshold_and_series_has_15_minute_buckets(
    staff, gate, cemetery, season, today
):
    WalkInDay.objects.create(season=season, date=today)
    services.checkin_count(
        actor=staff,
        gate_id=gate.pk,
        direction="in",
        people=50,
        cars=9,
        nonce="walk-1001",
        now=at(today, 8, 5),
    )
    services.checkin_count(
        actor=staff,
        gate_id=gate.pk,
        direction="in",
        people=30,
        nonce="walk-1002",
        now=at(today, 8, 20),
    )
    rows, ratio = selectors.live_overview(user=staff, day=today)
    live = next(r for r in rows if r.cemetery.pk == cemetery.pk)
    assert (live.inside, live.warn_people, live.cars_parked, live.warn_cars) == (80, True, 9, True)
    assert str(ratio) == "0.8"
    series = selectors.arrivals_series(user=staff, day=today)
    assert series == {
        "labels": ["08:00", "08:15"],
        "series": [{"name": "测试公墓", "data": [50, 30]}],
    }


def test_live_view_reads_a_constant_number_of_queries(
    staff, gate, season, today, django_assert_num_queries
):
    WalkInDay.objects.create(season=season, date=today)
    for n in range(5):
        services.checkin_count(
            actor=staff,
            gate_id=gate.pk,
            direction="in",
            people=1,
            nonce=f"walk-20{n:02d}",
            now=at(today, 8 + n),
        )
    with django_assert_num_queries(6):
        selectors.live_overview(user=staff, day=today)


def test_reconcile_reports_a_bucket_that_drifted_from_its_scans(staff, gate, booked, today):
    scan(staff, gate, booked.code, today=today)
    GateBucket.objects.update(arrivals=4)
    diffs = services.reconcile()
    assert [(d.what, d.counter, d.rows) for d in diffs] == [("bucket.arrivals", 4, 3)]


def test_scan_needs_the_permission_and_a_gate_in_scope(
    jiujiang_worker, resident, gate, booked, today
):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        scan(resident, gate, booked.code, today=today)
    with pytest.raises(PermissionDenied):
        scan(jiujiang_worker, gate, booked.code, today=today)


def test_a_typed_code_of_another_day_says_which_day_not_that_it_was_altered(
    staff, gate, booked, today
):
    with pytest.raises(services.ScanRefused) as exc:
        services.checkin_scan(
            actor=staff,
            code=booked.short_code,
            gate_id=gate.pk,
            direction="in",
            nonce="nonce-0101",
            now=at(today + dt.timedelta(days=1), 10),
        )
    assert exc.value.reason == "wrong_day"
    assert exc.value.message == f"该预约的祭扫日期是 {today.isoformat()}，不是今天。"
    assert CheckIn.objects.count() == 0
