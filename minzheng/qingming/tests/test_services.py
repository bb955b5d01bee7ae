import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from minzheng.qingming import services
from minzheng.qingming.models import IdQuota, Reservation, ReservationLog, Slot, WalkInDay
from minzheng.qingming.services.bookings import _slot_start

from .factories import at, id_number, set_param

pytestmark = pytest.mark.django_db


def visitor(**kw):
    return services.VisitorInput(
        **({"name": "陈秀英", "id_number": id_number(), "party_size": 2} | kw)
    )


def counts(slot):
    slot.refresh_from_db()
    return slot.booked, slot.cars_booked, Reservation.objects.count()


def test_booking_takes_places_and_car_space_and_sends_sms(
    resident, slot, django_capture_on_commit_callbacks
):
    from minzheng.core.sms import MemoryBackend

    with django_capture_on_commit_callbacks(execute=True):
        r, created = services.reservation_create(
            actor=resident, slot_id=slot.pk, visitor=visitor(plate="粤AD12345")
        )
    assert created is True
    assert counts(slot) == (2, 1, 1)
    assert (r.status, r.party_size, r.plate, r.channel, r.visit_date) == (
        "booked",
        2,
        "粤AD12345",
        "online",
        slot.date,
    )
    assert len(r.code) == 16 and len(r.short_code) == 8
    assert r.phone == "13800138000" and r.phone_masked == "138****8000"
    assert r.id_number_masked == r.id_number[:4] + "**********" + r.id_number[-4:]
    assert len(MemoryBackend.outbox) == 1
    phone, text = MemoryBackend.outbox[0]
    assert (
        phone == "13800138000"
        and "测试公墓" in text
        and f"{r.short_code[:4]} {r.short_code[4:]}" in text
    )


def test_full_slot_is_409_and_nothing_written(resident, make_slot):
    slot = make_slot(capacity=3)
    services.reservation_create(actor=resident, slot_id=slot.pk, visitor=visitor(party_size=2))
    with pytest.raises(services.BookingConflict) as exc:
        services.reservation_create(actor=resident, slot_id=slot.pk, visitor=visitor(party_size=2))
    assert exc.value.reason == "slot_full" and "只剩 1 个名额" in exc.value.message
    assert counts(slot) == (2, 0, 1)
    # the refused ID's quota rows were rolled back too
    assert IdQuota.objects.count() == 2


def test_no_car_space_left_is_409(resident, make_slot):
    slot = make_slot(cars=1)
    services.reservation_create(actor=resident, slot_id=slot.pk, visitor=visitor(plate="粤A12345"))
    with pytest.raises(services.BookingConflict) as exc:
        services.reservation_create(
            actor=resident, slot_id=slot.pk, visitor=visitor(plate="粤B12345")
        )
    assert exc.value.reason == "cars_full"
    r, _ = services.reservation_create(
        actor=resident, slot_id=slot.pk, visitor=visitor()
    )  # without a car: fine
    assert counts(slot) == (4, 1, 2)


def test_id_limits_per_day_and_per_season(resident, make_slot, today):
    same = id_number()
    day1 = make_slot(start=8)
    day1_later = make_slot(start=14)
    services.reservation_create(actor=resident, slot_id=day1.pk, visitor=visitor(id_number=same))
    with pytest.raises(services.BookingConflict) as exc:
        services.reservation_create(
            actor=resident, slot_id=day1_later.pk, visitor=visitor(id_number=same)
        )
    assert exc.value.reason == "id_day_limit"
    for n in (2, 3):
        services.reservation_create(
            actor=resident,
            slot_id=make_slot(day=today + dt.timedelta(days=n)).pk,
            visitor=visitor(id_number=same),
        )
    with pytest.raises(services.BookingConflict) as exc:
        services.reservation_create(
            actor=resident,
            slot_id=make_slot(day=today + dt.timedelta(days=4)).pk,
            visitor=visitor(id_number=same),
        )
    assert exc.value.reason == "id_season_limit" and "3 次" in exc.value.message
    assert Reservation.objects.count() == 3


def test_the_id_limit_is_a_counter_row_per_id_and_day(resident, slot):
    same = id_number()
    services.reservation_create(actor=resident, slot_id=slot.pk, visitor=visitor(id_number=same))
    rows = sorted(IdQuota.objects.values_list("day_key", "count"))
    assert rows == [("", 1), (slot.date.isoformat(), 1)]


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("id_number", {"id_number": "440605196001011235"}),
        ("id_number", {"id_number": "12345"}),
        ("party_size", {"party_size": 0}),
        ("party_size", {"party_size": 6}),
        ("plate", {"plate": "粤AI2345"}),
        ("name", {"name": "  "}),
    ],
)
def test_bad_input_is_refused_on_its_field_and_writes_nothing(resident, slot, field, change):
    with pytest.raises(ValidationError) as exc:
        services.reservation_create(actor=resident, slot_id=slot.pk, visitor=visitor(**change))
    assert field in exc.value.message_dict
    assert counts(slot) == (0, 0, 0)
    assert IdQuota.objects.count() == 0


def test_slot_in_the_past_or_closing_is_refused(resident, make_slot, today):
    past = make_slot(day=today, start=10)
    with pytest.raises(ValidationError) as exc:
        services.reservation_create(
            actor=resident, slot_id=past.pk, visitor=visitor(), now=at(today, 9, 45)
        )
    assert "已截止" in exc.value.message_dict["slot"][0]
    r, _ = services.reservation_create(
        actor=resident, slot_id=past.pk, visitor=visitor(), now=at(today, 9, 29)
    )
    assert r.pk


def test_unknown_slot_and_walk_in_day_are_refused(resident, slot, season):
    with pytest.raises(ValidationError) as exc:
        services.reservation_create(actor=resident, slot_id=999999, visitor=visitor())
    assert "slot" in exc.value.message_dict
    Slot.objects.filter(pk=slot.pk).update(is_open=False)
    with pytest.raises(ValidationError):
        services.reservation_create(actor=resident, slot_id=slot.pk, visitor=visitor())


def test_booking_before_opening_is_409(resident, slot, season):
    season.booking_opens_at = at(slot.date, 9) + dt.timedelta(days=-1)
    season.save()
    with pytest.raises(services.BookingConflict) as exc:
        services.reservation_create(
            actor=resident,
            slot_id=slot.pk,
            visitor=visitor(),
            now=season.booking_opens_at - dt.timedelta(minutes=1),
        )
    assert exc.value.reason == "not_open"
    assert Reservation.objects.count() == 0


def test_same_idempotency_key_returns_the_first_booking(resident, slot):
    a, created_a = services.reservation_create(
        actor=resident, slot_id=slot.pk, visitor=visitor(), idempotency_key="k-1"
    )
    b, created_b = services.reservation_create(
        actor=resident, slot_id=slot.pk, visitor=visitor(), idempotency_key="k-1"
    )
    assert (created_a, created_b, a.pk) == (True, False, b.pk)
    assert counts(slot) == (2, 0, 1)


def test_a_retry_meets_its_first_booking_even_when_it_would_now_be_refused(resident, make_slot):
    """The replay is looked up only after a refusal: the slot is now full, then the booking
    window has closed as well; the same key still returns the first booking."""
    slot = make_slot(capacity=2)
    first, _ = services.reservation_create(
        actor=resident, slot_id=slot.pk, visitor=visitor(), idempotency_key="k-2"
    )
    for now in (None, _slot_start(slot)):  # open window, then closed
        again, created = services.reservation_create(
            actor=resident, slot_id=slot.pk, visitor=visitor(), idempotency_key="k-2", now=now
        )
        assert (again.pk, created) == (first.pk, False)
    with pytest.raises(services.BookingConflict):  # another key is refused: the slot is full
        services.reservation_create(
            actor=resident, slot_id=slot.pk, visitor=visitor(), idempotency_key="k-3"
        )
    assert Reservation.objects.count() == 1 and counts(slot) == (2, 0, 1)


def test_staff_books_on_behalf_recorded_as_counter(staff, slot):
    r, _ = services.reservation_create(
        actor=staff, slot_id=slot.pk, channel="phone", visitor=visitor(phone="139 1234 5678")
    )
    assert (r.channel, r.booked_by, r.phone) == ("phone", staff, "13912345678")
    from minzheng.core.models import OperationLog

    assert (
        OperationLog.objects.filter(target_type="qingming.reservation", target_id=str(r.pk)).count()
        == 1
    )


def test_counter_booking_needs_a_mobile_and_the_permission(staff, leader, slot):
    with pytest.raises(ValidationError) as exc:
        services.reservation_create(
            actor=staff, slot_id=slot.pk, channel="counter", visitor=visitor(phone="0757-86282222")
        )
    assert "phone" in exc.value.message_dict
    with pytest.raises(PermissionDenied):  # the leader reads, never books
        services.reservation_create(
            actor=leader,
            slot_id=slot.pk,
            channel="counter",
            visitor=visitor(phone="13912345678"),
        )
    with pytest.raises(PermissionDenied):  # staff cannot book "online"
        services.reservation_create(actor=staff, slot_id=slot.pk, visitor=visitor())
    assert Reservation.objects.count() == 0


def test_cancel_gives_back_places_and_quota_and_is_logged(resident, slot):
    same = id_number()
    r, _ = services.reservation_create(
        actor=resident, slot_id=slot.pk, visitor=visitor(id_number=same, plate="粤A12345")
    )
    services.reservation_cancel(actor=resident, reservation=r, reason="有事")
    assert counts(slot) == (0, 0, 1)
    r.refresh_from_db()
    assert r.status == "cancelled" and r.cancelled_at is not None
    assert list(IdQuota.objects.values_list("count", flat=True)) == [0, 0]
    assert list(ReservationLog.objects.values_list("name", "from_state", "to_state", "reason")) == [
        ("cancel", "booked", "cancelled", "有事")
    ]
    services.reservation_create(
        actor=resident, slot_id=slot.pk, visitor=visitor(id_number=same)
    )  # may book again
    with pytest.raises(ValidationError):
        services.reservation_cancel(actor=resident, reservation=r)


def test_resident_cannot_cancel_after_the_deadline_staff_can(resident, staff, make_slot, today):
    slot = make_slot(day=today, start=12)
    r, _ = services.reservation_create(
        actor=resident, slot_id=slot.pk, visitor=visitor(), now=at(today, 7)
    )
    with pytest.raises(ValidationError) as exc:
        services.reservation_cancel(actor=resident, reservation=r, now=at(today, 10, 1))
    assert "截止" in exc.value.message_dict["status"][0]
    services.reservation_cancel(actor=resident, reservation=r, now=at(today, 9, 59))
    r2, _ = services.reservation_create(
        actor=resident, slot_id=slot.pk, visitor=visitor(), now=at(today, 7)
    )
    services.reservation_cancel(actor=staff, reservation=r2, reason="家属来电", now=at(today, 11))
    assert Reservation.objects.filter(status="cancelled").count() == 2


def test_repeat_no_shows_block_booking_for_the_rest_of_the_season(resident, make_slot, today):
    same = id_number()
    set_param("qingming_id_per_season", "10")
    yesterday = today - dt.timedelta(days=1)
    for start in (8, 12):
        s = make_slot(day=yesterday, start=start)
        set_param("qingming_id_per_day", "5")
        services.reservation_create(
            actor=resident, slot_id=s.pk, visitor=visitor(id_number=same), now=at(yesterday, 6)
        )
    assert services.reservations_mark_no_show(day=yesterday) == 2
    assert services.reservations_mark_no_show(day=yesterday) == 0  # twice is harmless
    with pytest.raises(services.BookingConflict) as exc:
        services.reservation_create(
            actor=resident, slot_id=make_slot().pk, visitor=visitor(id_number=same)
        )
    assert exc.value.reason == "no_show_blocked"
    set_param("qingming_no_show_block", "0")  # rule off
    services.reservation_create(
        actor=resident, slot_id=make_slot(start=14).pk, visitor=visitor(id_number=same)
    )


def test_reconcile_finds_a_tampered_counter_and_the_command_exits_1(resident, slot, capsys):
    services.reservation_create(actor=resident, slot_id=slot.pk, visitor=visitor())
    assert services.reconcile() == []
    call_command("qingming_reconcile")
    Slot.objects.filter(pk=slot.pk).update(booked=1)
    IdQuota.objects.filter(day_key="").update(count=5)
    diffs = services.reconcile()
    assert {(d.what, d.counter, d.rows) for d in diffs} == {
        ("slot.booked", 1, 2),
        ("quota.count", 5, 1),
    }
    with pytest.raises(SystemExit) as exc:
        call_command("qingming_reconcile")
    assert exc.value.code == 1
    assert "DIFF slot.booked" in capsys.readouterr().out


def test_season_create_computes_defaults_and_slots_skip_walk_in_days(admin_user, cemetery):
    from minzheng.qingming.models import SlotTemplate

    season = services.season_create(actor=admin_user, year=2027)
    assert (season.starts_on, season.ends_on) == (dt.date(2027, 3, 26), dt.date(2027, 4, 10))
    assert services.season_create(actor=admin_user, year=2027).pk == season.pk
    SlotTemplate.objects.create(
        cemetery=cemetery, starts_at=dt.time(8), ends_at=dt.time(10), capacity=100, car_capacity=10
    )
    WalkInDay.objects.create(season=season, date=dt.date(2027, 3, 26))
    assert services.slots_generate(actor=admin_user, season=season) == 15
    assert services.slots_generate(actor=admin_user, season=season) == 0
