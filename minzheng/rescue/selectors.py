"""Reads of the rescue station: scoped lists, the database path of the matcher, public
notices, monthly statistics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from minzheng.core.params import ParameterMissing, parameter_value
from minzheng.core.scope import get_in_scope_or_404, scope_queryset
from minzheng.registry import pii

from . import matching, rules
from .models import (
    Case,
    CaseState,
    MatchCandidate,
    MissingReport,
    Notice,
    NoticeStatus,
    ReportKey,
    ReportStatus,
    ReturnHome,
)

PAIR_LIMIT = 500  # reports read through the name-pair keys, most shared keys first
FALLBACK_LIMIT = 1000  # reports read through the surname or no-name block, latest last seen first

# ---------------------------------------------------------------- matching (database path)


def _report_filter(query: matching.FoundQuery, prefix: str = "") -> Q:
    q = Q(**{f"{prefix}status": ReportStatus.OPEN, f"{prefix}consent": True})
    if query.sex:
        q &= Q(**{f"{prefix}sex": query.sex})
    window = matching.birth_year_window(query)
    if window:
        q &= Q(**{f"{prefix}birth_year__isnull": True}) | Q(
            **{f"{prefix}birth_year__gte": window[0], f"{prefix}birth_year__lte": window[1]}
        )
    if query.found_date:
        q &= Q(**{f"{prefix}missing_date__lte": query.found_date})
    return q


def match_query(query: matching.FoundQuery, *, top: int = 10) -> list[matching.Candidate]:
    """Rank the open, consented reports for a found person. Reads only the reports that share
    a blocking key with the query (indexed ReportKey rows), then scores them with the pure
    matcher. Never writes."""
    name_keys, fallback_keys = matching.query_keys(query)
    where = _report_filter(query, "report__")
    hits: dict[int, float] = {}
    if name_keys:
        rows = (
            ReportKey.objects.filter(where, key__in=sorted(name_keys))
            .values("report_id")
            .annotate(n=Count("id"))
            .order_by("-n", "report_id")[:PAIR_LIMIT]
        )
        hits = {r["report_id"]: float(r["n"]) for r in rows}
    if fallback_keys:
        weight = 0.5 if name_keys else 0.0
        rows = (
            ReportKey.objects.filter(where, key__in=sorted(fallback_keys))
            .order_by("-report__missing_date", "report_id")
            .values_list("report_id", flat=True)[:FALLBACK_LIMIT]
        )
        for report_id in rows:
            hits[report_id] = hits.get(report_id, 0.0) + weight
    if not hits:
        return []
    records, by_key = [], {}
    fields = (
        "pk",
        "external_id",
        "name",
        "sex",
        "birth_year",
        "birth_date",
        "missing_date",
        "missing_place",
        "division_id",
        "description",
    )
    ids = list(hits)
    for i in range(0, len(ids), 900):
        for row in MissingReport.objects.filter(pk__in=ids[i : i + 900]).values(*fields):
            record = matching.ReportRecord(
                key=row["external_id"],
                name=row["name"],
                sex=row["sex"],
                birth_year=row["birth_date"].year if row["birth_date"] else row["birth_year"],
                missing_date=row["missing_date"],
                missing_place=row["missing_place"],
                division_code=row["division_id"] or "",
                description=row["description"],
            )
            records.append(record)
            by_key[record.key] = hits[row["pk"]]
    return matching.rank(query, matching.prerank(query, records, by_key), top=top)


# ---------------------------------------------------------------- cases


@dataclass
class CaseFilters:
    state: str = ""
    q: str = ""
    long_stay: bool = False


def long_stay_days(on: dt.date) -> int:
    try:
        return int(parameter_value(rules.LONG_STAY_PARAMETER, on=on).value)
    except ParameterMissing:
        return rules.LONG_STAY_DEFAULT_DAYS


def case_list(*, user, filters: CaseFilters | None = None) -> QuerySet:
    filters = filters or CaseFilters()
    qs = scope_queryset(Case.objects.select_related("station", "notice"), user)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.q:
        qs = qs.filter(
            Q(number__icontains=filters.q)
            | Q(told_name__icontains=filters.q)
            | Q(found_place__icontains=filters.q)
        )
    if filters.long_stay:
        qs = long_stay_cases(user=user)
    return qs


def case_detail(*, user, case_id: int) -> Case:
    return get_in_scope_or_404(
        Case.objects.select_related("station", "confirmed_report", "found_division"),
        user,
        pk=case_id,
    )


def state_counts(*, user) -> dict[str, int]:
    rows = scope_queryset(Case.objects.all(), user).values("state").annotate(n=Count("id"))
    counts = {s: 0 for s in CaseState.values}
    counts.update({r["state"]: r["n"] for r in rows})
    return counts


def long_stay_cases(*, user, today: dt.date | None = None) -> QuerySet:
    """Cases in the station longer than the long-stay period whose notice has not been
    updated within that period: the workbench reminds staff to update the notice."""
    today = today or timezone.localdate()
    days = long_stay_days(today)
    since = timezone.now() - dt.timedelta(days=days)
    return (
        scope_queryset(Case.objects.select_related("station", "notice"), user)
        .filter(state__in=rules.OPEN_STATES, intake_at__lt=since)
        .filter(Q(notice__isnull=True) | Q(notice__updated_at__lt=since))
    )


def case_candidates(*, case: Case) -> QuerySet:
    return (
        MatchCandidate.objects.filter(case=case)
        .select_related("report", "decided_by")
        .order_by("rank", "id")
    )


def candidate_detail(*, user, candidate_id: int) -> MatchCandidate:
    return get_in_scope_or_404(
        MatchCandidate.objects.select_related("case", "report"), user, pk=candidate_id
    )


# ---------------------------------------------------------------- reports


def report_list(*, user, q: str = "", status: str = "") -> QuerySet:
    qs = scope_queryset(MissingReport.objects.all(), user)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(name__startswith=q) | Q(external_id=q))
    return pii.without_secrets(qs)


def report_detail(*, user, report_id: int) -> MissingReport:
    return get_in_scope_or_404(MissingReport.objects.all(), user, pk=report_id)


def resident_reports(*, user) -> QuerySet:
    return MissingReport.objects.filter(reporter=user).order_by("-created_at")


# ---------------------------------------------------------------- public notices


@dataclass
class NoticeFilters:
    sex: str = ""
    age: int | None = None
    place: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    dialect: str = ""


def public_notices(filters: NoticeFilters | None = None) -> QuerySet:
    """Published notices only (taken-down ones are gone from the portal), for anyone."""
    f = filters or NoticeFilters()
    qs = Notice.objects.filter(status=NoticeStatus.PUBLISHED).only(
        *Notice.PUBLIC_FIELDS, "id", "photo_token", "status"
    )
    if f.sex:
        qs = qs.filter(sex=f.sex)
    if f.age is not None:
        qs = qs.filter(
            age_min__lte=f.age + matching.AGE_TOLERANCE, age_max__gte=f.age - matching.AGE_TOLERANCE
        )
    if f.place:
        qs = qs.filter(found_place__icontains=f.place)
    if f.since:
        qs = qs.filter(found_date__gte=f.since)
    if f.until:
        qs = qs.filter(found_date__lte=f.until)
    if f.dialect:
        qs = qs.filter(dialect=f.dialect)
    return qs.order_by("-published_at", "-id")


def notice_list(*, user) -> QuerySet:
    return scope_queryset(Notice.objects.select_related("case"), user).order_by("-published_at")


# ---------------------------------------------------------------- returns and statistics


def return_list(*, user) -> QuerySet:
    return scope_queryset(ReturnHome.objects.select_related("case", "ledger_entry"), user).order_by(
        "-return_date", "-id"
    )


@dataclass
class ReturnPosting:
    entry: object  # ledger.JournalEntry of the costs
    reversal: object | None  # its reversing entry, if the ledger has corrected it


def return_posting(*, ret: ReturnHome) -> ReturnPosting | None:
    """The ledger entry of a return's costs and its reversal, if any. The caller has already
    scoped the return (through its case)."""
    if ret.ledger_entry_id is None:
        return None
    from minzheng.ledger import selectors as ledger_q

    return ReturnPosting(
        entry=ret.ledger_entry, reversal=ledger_q.entry_reversal(ret.ledger_entry_id)
    )


@dataclass
class MonthRow:
    month: int
    intakes: int
    returns: int
    average_days: float | None


def monthly_stats(*, user, year: int) -> list[MonthRow]:
    """Intakes (by date found), returns (by return date) and average days from found to
    returned, per month of `year`, in the user's scope."""
    intakes = {m: 0 for m in range(1, 13)}
    for found in scope_queryset(Case.objects.filter(found_date__year=year), user).values_list(
        "found_date", flat=True
    ):
        intakes[found.month] += 1
    days: dict[int, list[int]] = {m: [] for m in range(1, 13)}
    for ret, found in (
        return_list(user=user)
        .filter(return_date__year=year)
        .values_list("return_date", "case__found_date")
    ):
        days[ret.month].append((ret - found).days)
    return [
        MonthRow(
            m, intakes[m], len(days[m]), round(sum(days[m]) / len(days[m]), 1) if days[m] else None
        )
        for m in range(1, 13)
    ]


def public_stations() -> list[dict]:
    """Each station's name, address and duty phone, for the public pages ("call the
    station" must say which number)."""
    from .models import Station

    return list(Station.objects.order_by("pk").values("name", "address", "phone"))
