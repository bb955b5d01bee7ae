"""Reconciliation: every counter recounted from the rows it counts; read-only, a difference
is for a person to look into."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from .. import rules
from ..models import (
    CheckIn,
    GateBucket,
    IdQuota,
    Reservation,
    Season,
    Slot,
)
from .common import Status


@dataclass(frozen=True)
class Difference:
    what: str
    key: str
    counter: int
    rows: int


def _bucket_counts_from_checkins(checkins) -> dict[tuple[int, dt.datetime], dict[str, int]]:
    expected: dict[tuple[int, dt.datetime], dict[str, int]] = {}
    for c in checkins.values(
        "gate_id", "scanned_at", "kind", "direction", "people", "cars", "is_reentry"
    ).iterator():
        counts = expected.setdefault(
            (c["gate_id"], rules.bucket_start(c["scanned_at"])), dict.fromkeys(LIVE_FIELDS, 0)
        )
        if c["direction"] == CheckIn.Direction.OUT:
            counts["departures"] += c["people"]
            counts["cars_out"] += c["cars"]
            continue
        counts["reentries" if c["is_reentry"] else "arrivals"] += c["people"]
        counts["cars_in"] += c["cars"]
        if c["kind"] == CheckIn.Kind.GREEN:
            counts["green"] += c["people"]
        elif c["kind"] == CheckIn.Kind.WALK_IN:
            counts["walk_ins"] += c["people"]
    return expected


LIVE_FIELDS = ("arrivals", "reentries", "departures", "cars_in", "cars_out", "green", "walk_ins")


def reconcile(*, season: Season | None = None) -> list[Difference]:
    """Recount every counter from the rows it counts; a list of the differences (empty
    when all agree). Read-only: a difference is for a person to look into."""
    diffs: list[Difference] = []
    slots = Slot.objects.all() if season is None else Slot.objects.filter(season=season)
    active = ~Q(reservations__status=Status.CANCELLED)
    for s in (
        slots.annotate(
            people=Sum("reservations__party_size", filter=active, default=0),
            cars=Count("reservations", filter=active & ~Q(reservations__plate="")),
        )
        .values("pk", "booked", "cars_booked", "people", "cars")
        .iterator()
    ):
        if s["booked"] != s["people"]:
            diffs.append(Difference("slot.booked", f"slot {s['pk']}", s["booked"], s["people"]))
        if s["cars_booked"] != s["cars"]:
            diffs.append(
                Difference("slot.cars_booked", f"slot {s['pk']}", s["cars_booked"], s["cars"])
            )
    reservations = (
        Reservation.objects.all() if season is None else Reservation.objects.filter(season=season)
    )
    counted: dict[tuple[str, int, str], list[int]] = {}
    for r in reservations.values("id_number_hash", "season_id", "visit_date", "status").iterator():
        for day_key in ("", r["visit_date"].isoformat()):
            entry = counted.setdefault((r["id_number_hash"], r["season_id"], day_key), [0, 0])
            entry[0] += r["status"] != Status.CANCELLED
            entry[1] += day_key == "" and r["status"] == Status.NO_SHOW
    quotas = IdQuota.objects.all() if season is None else IdQuota.objects.filter(season=season)
    for q in quotas.values(
        "id_number_hash", "season_id", "day_key", "count", "no_shows"
    ).iterator():
        rows = counted.pop((q["id_number_hash"], q["season_id"], q["day_key"]), [0, 0])
        label = f"id {q['id_number_hash'][:8]}… season {q['season_id']} {q['day_key'] or 'season'}"
        if q["count"] != rows[0]:
            diffs.append(Difference("quota.count", label, q["count"], rows[0]))
        if q["no_shows"] != rows[1]:
            diffs.append(Difference("quota.no_shows", label, q["no_shows"], rows[1]))
    for (id_hash, season_id, day_key), rows in counted.items():
        if rows[0] or rows[1]:
            diffs.append(
                Difference(
                    "quota.missing",
                    f"id {id_hash[:8]}… season {season_id} {day_key or 'season'}",
                    0,
                    rows[0],
                )
            )
    checkins = CheckIn.objects.all()
    buckets = GateBucket.objects.all()
    if season is not None:
        checkins = checkins.filter(
            scanned_at__date__gte=season.starts_on, scanned_at__date__lte=season.ends_on
        )
        buckets = buckets.filter(season=season)
    expected = _bucket_counts_from_checkins(checkins)
    for b in buckets.values("gate_id", "starts_at", *LIVE_FIELDS).iterator():
        want = expected.pop(
            (b["gate_id"], rules.bucket_start(b["starts_at"])), dict.fromkeys(LIVE_FIELDS, 0)
        )
        for field in LIVE_FIELDS:
            if b[field] != want[field]:
                diffs.append(
                    Difference(
                        f"bucket.{field}",
                        f"gate {b['gate_id']} {rules.bucket_start(b['starts_at']):%Y-%m-%d %H:%M}",
                        b[field],
                        want[field],
                    )
                )
    for (gate_id, start), want in expected.items():
        diffs.append(
            Difference(
                "bucket.missing", f"gate {gate_id} {start:%Y-%m-%d %H:%M}", 0, sum(want.values())
            )
        )
    return diffs
