"""Reads of the Qingming module. The live view and season totals read only the 15-minute
GateBucket rows (a few hundred per cemetery and day), never the scans themselves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from minzheng.core.scope import scope_queryset
from minzheng.registry import pii

from . import params as qparams
from . import rules
from .models import CarPark, Cemetery, Gate, GateBucket, Reservation, Season, Slot

IN_FIELDS = ("arrivals", "reentries", "counted_arrivals")
OUT_FIELDS = ("departures", "counted_departures")


def cemeteries(user=None) -> QuerySet[Cemetery]:
    qs = Cemetery.objects.filter(is_active=True)
    return scope_queryset(qs, user) if user is not None else qs


def today_reservation_count(user) -> int:
    return scope_queryset(Reservation.objects.filter(visit_date=timezone.localdate()), user).count()


def current_season(today: dt.date | None = None) -> Season | None:
    """The season in progress, else the next one, else the latest."""
    today = today or timezone.localdate()
    return (
        Season.objects.filter(ends_on__gte=today).order_by("starts_on").first()
        or Season.objects.order_by("-year").first()
    )


def portal_seasons(today: dt.date | None = None) -> list[Season]:
    """The seasons a visitor may still book or wait for (in progress or to come), earliest
    first; when none is left, the latest one (shown as ended)."""
    today = today or timezone.localdate()
    upcoming = list(Season.objects.filter(ends_on__gte=today).order_by("starts_on")[:3])
    return upcoming or list(Season.objects.order_by("-year")[:1])


def slots_for(*, cemetery_id: int, day: dt.date) -> QuerySet[Slot]:
    return Slot.objects.filter(cemetery_id=cemetery_id, date=day, is_open=True).order_by(
        "starts_at"
    )


def bookable_days(*, cemetery_id: int, season: Season, today: dt.date) -> list[dict]:
    """Each season day from today with its places left (for the day picker)."""
    rows = (
        Slot.objects.filter(cemetery_id=cemetery_id, season=season, date__gte=today, is_open=True)
        .values("date")
        .annotate(capacity=Sum("capacity"), booked=Sum("booked"))
        .order_by("date")
    )
    return [{"date": r["date"], "remaining": r["capacity"] - r["booked"]} for r in rows]


def my_reservations(user) -> QuerySet[Reservation]:
    return pii.without_secrets(
        Reservation.objects.filter(booked_by=user)
        .select_related("slot", "cemetery")
        .order_by("-visit_date", "-id")
    )


def reservation_list(
    *, user, q: str = "", day: dt.date | None = None, status: str = ""
) -> QuerySet[Reservation]:
    qs = scope_queryset(
        pii.without_secrets(Reservation.objects.select_related("slot", "cemetery")), user
    )
    if day:
        qs = qs.filter(visit_date=day)
    if status:
        qs = qs.filter(status=status)
    q = (q or "").replace(" ", "").upper()
    if q:
        from minzheng.registry import validators

        if q.isdigit() and len(q) == rules.SHORT_CODE_DIGITS:
            qs = qs.filter(short_code=q)
        elif len(q) == 18:
            try:
                qs = qs.filter(
                    id_number_hash=pii.blind_index(validators.parse_id_number(q).number, kind="id")
                )
            except ValidationError:
                qs = qs.none()
        else:
            qs = qs.filter(name__startswith=q) if not q.isascii() else qs.filter(code=q)
    return qs.order_by("-visit_date", "slot__starts_at", "-id")


# ---------------------------------------------------------------- live view


@dataclass
class GateLive:
    gate: Gate
    arrivals: int = 0
    departures: int = 0


@dataclass
class CemeteryLive:
    cemetery: Cemetery
    inside: int = 0
    arrivals: int = 0
    green: int = 0
    cars_parked: int = 0
    car_capacity: int = 0
    booked_today: int = 0
    gates: list[GateLive] = field(default_factory=list)
    warn_people: bool = False
    warn_cars: bool = False

    @property
    def inside_percent(self) -> int:
        return (
            round(100 * self.inside / self.cemetery.max_inside) if self.cemetery.max_inside else 0
        )

    @property
    def cars_percent(self) -> int:
        return round(100 * self.cars_parked / self.car_capacity) if self.car_capacity else 0


def _in(row: dict) -> int:
    return sum(row[f] or 0 for f in IN_FIELDS)


def _out(row: dict) -> int:
    return sum(row[f] or 0 for f in OUT_FIELDS)


def live_overview(*, user, day: dt.date) -> tuple[list[CemeteryLive], Decimal]:
    """Per cemetery and gate on `day`: people inside, arrivals, cars parked against car-park
    capacity, with warnings over the threshold. Three grouped queries whatever the load."""
    cems = list(cemeteries(user).order_by("pk"))
    by_id = {c.pk: CemeteryLive(c) for c in cems}
    gates = {
        g.pk: GateLive(g)
        for g in Gate.objects.filter(cemetery__in=cems, is_active=True).order_by("pk")
    }
    for g in gates.values():
        by_id[g.gate.cemetery_id].gates.append(g)
    for row in (
        CarPark.objects.filter(cemetery__in=cems).values("cemetery_id").annotate(n=Sum("capacity"))
    ):
        by_id[row["cemetery_id"]].car_capacity = row["n"] or 0
    for row in (
        Slot.objects.filter(cemetery__in=cems, date=day)
        .values("cemetery_id")
        .annotate(n=Sum("booked"))
    ):
        by_id[row["cemetery_id"]].booked_today = row["n"] or 0
    start, end = _day_bounds(day)
    sums = {
        f: Sum(f)
        for f in (
            *IN_FIELDS,
            *OUT_FIELDS,
            "cars_in",
            "cars_out",
            "counted_cars_in",
            "counted_cars_out",
            "green",
        )
    }
    rows = (
        GateBucket.objects.filter(cemetery__in=cems, starts_at__gte=start, starts_at__lt=end)
        .values("gate_id", "cemetery_id")
        .annotate(**sums)
    )
    for row in rows:
        c = by_id[row["cemetery_id"]]
        c.inside += _in(row) - _out(row)
        c.arrivals += (row["arrivals"] or 0) + (row["counted_arrivals"] or 0)
        c.green += row["green"] or 0
        c.cars_parked += (
            (row["cars_in"] or 0)
            + (row["counted_cars_in"] or 0)
            - (row["cars_out"] or 0)
            - (row["counted_cars_out"] or 0)
        )
        if row["gate_id"] in gates:
            gates[row["gate_id"]].arrivals += _in(row)
            gates[row["gate_id"]].departures += _out(row)
    ratio = qparams.decimal_value("qingming_live_warning_ratio", on=day)
    for c in by_id.values():
        c.warn_people = c.cemetery.max_inside > 0 and c.inside >= ratio * c.cemetery.max_inside
        c.warn_cars = c.car_capacity > 0 and c.cars_parked >= ratio * c.car_capacity
    return list(by_id.values()), ratio


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=rules.CHINA)
    return start, start + dt.timedelta(days=1)


def arrivals_series(*, user, day: dt.date) -> dict:
    """Arrivals per 15 minutes per cemetery on `day`, for the chart: {"labels", "series"}."""
    start, end = _day_bounds(day)
    rows = (
        scope_queryset(GateBucket.objects.filter(starts_at__gte=start, starts_at__lt=end), user)
        .values("cemetery_id", "cemetery__name", "starts_at")
        .annotate(n=Sum(F("arrivals") + F("reentries") + F("counted_arrivals")))
        .order_by("starts_at")
    )
    labels: list[str] = []
    series: dict[str, dict[str, int]] = {}
    for row in rows:
        label = f"{timezone.localtime(row['starts_at'], rules.CHINA):%H:%M}"
        if label not in labels:
            labels.append(label)
        series.setdefault(row["cemetery__name"], {})[label] = row["n"] or 0
    labels.sort()
    return {
        "labels": labels,
        "series": [
            {"name": name, "data": [v.get(lbl, 0) for lbl in labels]} for name, v in series.items()
        ],
    }


# ---------------------------------------------------------------- season totals


@dataclass
class TotalsRow:
    label: str
    town: str
    visits: int
    vehicles: int
    green: int
    walk_ins: int
    bookings: int


def season_totals(*, user, season: Season) -> tuple[list[TotalsRow], TotalsRow]:
    """Visits and vehicles of a season per cemetery and for the district, summed from the
    15-minute records (scanned check-ins plus counted records), never typed in."""
    rows = (
        scope_queryset(GateBucket.objects.filter(season=season), user)
        .values(
            "cemetery_id",
            "cemetery__name",
            "cemetery__division__parent__name",
            "cemetery__division__name",
            "cemetery__division__level",
            "cemetery__division__level",
        )
        .annotate(
            visits=Sum(F("arrivals") + F("counted_arrivals")),
            vehicles=Sum(F("cars_in") + F("counted_cars_in")),
            green=Sum("green"),
            walk_ins=Sum("walk_ins"),
        )
        .order_by("cemetery__division_id", "cemetery__name")
    )
    bookings = dict(
        scope_queryset(Reservation.objects.filter(season=season), user)
        .exclude(status=Reservation.Status.CANCELLED)
        .values_list("cemetery_id")
        .annotate(n=Sum("party_size"))
    )
    out = [
        TotalsRow(
            r["cemetery__name"],
            # the town: the cemetery's own division, or the town above its community
            r["cemetery__division__name"]
            if r["cemetery__division__level"] == "town"
            else r["cemetery__division__parent__name"] or r["cemetery__division__name"],
            r["visits"] or 0,
            r["vehicles"] or 0,
            r["green"] or 0,
            r["walk_ins"] or 0,
            bookings.get(r["cemetery_id"], 0),
        )
        for r in rows
    ]
    total = TotalsRow(
        "合计",
        "",
        *(
            sum(getattr(r, f) for r in out)
            for f in ("visits", "vehicles", "green", "walk_ins", "bookings")
        ),
    )
    return out, total


def season_totals_xlsx(*, user, season: Season) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows, total = season_totals(user=user, season=season)
    wb = Workbook()
    ws = wb.active
    ws.title = "祭扫季统计"
    ws.append(
        [
            f"{season.name}（{season.starts_on:%Y-%m-%d} 至 {season.ends_on:%Y-%m-%d}）"
            + ("（演示数据）" if season.is_illustrative else "")
        ]
    )
    ws.append(
        [
            "墓园",
            "所在镇街",
            "祭扫人次",
            "车辆（辆次）",
            "绿色通道人次",
            "免预约入园人次",
            "预约人数",
        ]
    )
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in [*rows, total]:
        ws.append([r.label, r.town, r.visits, r.vehicles, r.green, r.walk_ins, r.bookings])
    for col, width in zip("ABCDEFG", (28, 14, 14, 14, 16, 18, 12), strict=True):
        ws.column_dimensions[col].width = width
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
