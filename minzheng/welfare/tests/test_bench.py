""" "People aided" at district scale: the app's selector (distinct ID-number hashes of the
year's services, counted by rules.people_aided) against a baseline measured in the same run
(one SQL COUNT(DISTINCT)). The short run is part of the suite; the full run is slow-marked
and started by bench/welfare_aided.py, which writes bench/results/welfare_aided-<db>.json."""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import time

import pytest
from django.db import connection

from minzheng.welfare import selectors
from minzheng.welfare.models import EmploymentService

from .conftest import DISTRICT

pytestmark = pytest.mark.django_db


def _fill(n: int, user) -> None:
    """n services of 2021: every tenth anonymous, the others over n/2 people (7i mod n/2),
    so most people are served twice."""
    pool = max(n // 2, 1)
    rows = [
        EmploymentService(
            kind="consultation",
            channel="counter",
            division_id=DISTRICT,
            served_on=dt.date(2021, 1 + i % 12, 1 + i % 28),
            id_number_hash="" if i % 10 == 0 else f"h{(7 * i) % pool:031d}",
            recorded_by=user,
        )
        for i in range(n)
    ]
    EmploymentService.objects.bulk_create(rows, batch_size=2000)


def _timed(fn, repeat: int) -> tuple[object, list[float]]:
    times, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = fn()
        times.append((time.perf_counter() - started) * 1000)
    return value, times


def measure(n: int, user, repeat: int = 5) -> dict:
    _fill(n, user)
    app, app_ms = _timed(lambda: selectors.people_aided(user=user, year=2021).people, repeat)
    base, base_ms = _timed(
        lambda: len(
            {
                h
                for h in EmploymentService.objects.filter(served_on__year=2021).values_list(
                    "id_number_hash", flat=True
                )
                if h
            }
        ),
        repeat,
    )
    return {
        "services": n,
        "people": app,
        "baseline_people": base,
        "app_ms_median": round(statistics.median(app_ms), 1),
        "baseline_ms_median": round(statistics.median(base_ms), 1),
        "database": connection.vendor,
    }


def test_people_aided_short_run_matches_the_baseline(officer):
    result = measure(2000, officer, repeat=2)
    # 200 anonymous; 1,800 identified services over residues 7i mod 1000, of which the
    # 100 multiples of 10 are reached only by anonymous indices: 900 people.
    assert (result["people"], result["baseline_people"]) == (900, 900)


@pytest.mark.slow
def test_people_aided_full_run(officer):
    n = int(os.environ.get("WELFARE_BENCH_SERVICES", "200000"))
    result = measure(n, officer)
    assert result["people"] == result["baseline_people"]
    out = os.environ.get("WELFARE_BENCH_RESULT")
    if out:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(result, f)
