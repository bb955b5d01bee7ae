"""Many more concurrent booking requests than places, from real threads with their own
database connections; then count the rows. PostgreSQL (row locks, READ COMMITTED) and
SQLite (IMMEDIATE transactions: writers queue)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.db.models import Sum

from minzheng.qingming import services
from minzheng.qingming.models import IdQuota, Reservation, Slot

from .factories import id_number, set_param

pytestmark = pytest.mark.django_db(transaction=True)


def _outcome(result) -> str:
    if isinstance(result, services.BookingConflict):
        return result.reason
    if isinstance(result, Exception):
        return f"error:{type(result).__name__}:{result}"
    return result


def _assert_not_oversold(slots):
    for s in Slot.objects.filter(pk__in=[s.pk for s in slots]):
        rows = Reservation.objects.filter(slot=s).exclude(status="cancelled")
        people = rows.aggregate(n=Sum("party_size"))["n"] or 0
        cars = rows.exclude(plate="").count()
        assert people <= s.capacity and cars <= s.car_capacity
        assert (s.booked, s.cars_booked) == (people, cars)


def _burst(run_concurrently, resident, make_slot, *, threads: int, shared_ids: int):
    """`threads` requests over 2 slots of 6 places (3 car spaces), IDs reused so the
    per-ID daily limit (1) and season limit (3) are contended too."""
    slots = [make_slot(start=8, capacity=6, cars=3), make_slot(start=12, capacity=6, cars=3)]
    ids = [id_number(n) for n in range(shared_ids)]

    def work(i: int):
        r, _ = services.reservation_create(
            actor=resident,
            slot_id=slots[i % 2].pk,
            notify=False,
            visitor=services.VisitorInput(
                name="并发",
                id_number=ids[i % shared_ids],
                party_size=1 + i % 2,
                plate="粤A1234" + str(i % 10) if i % 3 == 0 else "",
            ),
        )
        return "booked"

    outcomes = Counter(_outcome(r) for r in run_concurrently(work, threads))
    assert not [k for k in outcomes if k.startswith("error")], outcomes
    _assert_not_oversold(slots)
    # No ID over its limits: at most 1 booking a day (both slots are the same day).
    per_id = Counter(Reservation.objects.values_list("id_number_hash", flat=True))
    assert max(per_id.values()) == 1
    assert outcomes["booked"] == Reservation.objects.count()
    assert services.reconcile() == []
    return outcomes


@pytest.mark.postgres
def test_concurrent_bookings_never_oversell_on_postgresql(run_concurrently, resident, make_slot):
    outcomes = _burst(run_concurrently, resident, make_slot, threads=48, shared_ids=20)
    assert outcomes["booked"] >= 4  # the slots filled up or the IDs ran out
    assert sum(outcomes.values()) == 48
    assert IdQuota.objects.filter(count__gt=1, day_key__gt="").count() == 0


def _in_memory_sqlite() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


def test_concurrent_bookings_never_oversell_on_this_database(run_concurrently, resident, make_slot):
    """The same burst, smaller, on whatever database the suite runs."""
    if _in_memory_sqlite():
        pytest.skip("in-memory SQLite: threads share one cache; run on a file by the test below")
    outcomes = _burst(run_concurrently, resident, make_slot, threads=16, shared_ids=6)
    assert sum(outcomes.values()) == 16


@pytest.mark.postgres
def test_concurrent_scans_of_one_code_admit_it_once(
    run_concurrently, resident, staff, make_slot, today
):
    from .factories import at

    set_param("qingming_id_per_day", "1")
    slot = make_slot(day=today, start=10)
    r, _ = services.reservation_create(
        actor=resident,
        slot_id=slot.pk,
        now=at(today, 7),
        visitor=services.VisitorInput(name="甲", id_number=id_number(), party_size=2),
    )
    gate = slot.cemetery.gates.first()

    def work(i: int):
        services.checkin_scan(
            actor=staff,
            code=r.code,
            gate_id=gate.pk,
            direction="in",
            nonce=f"scan-{i:04d}",
            now=at(today, 10, 1),
        )
        return "accepted"

    outcomes = Counter(_outcome(r) for r in run_concurrently(work, 12))
    assert outcomes == Counter({"accepted": 1, "already_inside": 11})
    assert services.reconcile() == []


def test_sqlite_file_database_burst_in_a_subprocess(tmp_path):
    """SQLite as deployed (a file, WAL, IMMEDIATE transactions): the burst above in a
    pytest subprocess whose test database is a file, so threads really contend."""
    if not _in_memory_sqlite():
        pytest.skip("runs only from a suite on in-memory SQLite")
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'qm.sqlite3'}",
        TEST_DATABASE_NAME=str(tmp_path / "qm_test.sqlite3"),
        MINZHENG_VAR_DIR=str(tmp_path / "var"),
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "--no-migrations",
            f"{Path(__file__).relative_to(root)}::test_concurrent_bookings_never_oversell_on_this_database",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "1 passed" in run.stdout
