"""Reads of elderly care, every one narrowed to the user's scope and, for an institution's
staff, to their own institution (the user ↔ institution link)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from minzheng.core.scope import get_in_scope_or_404, prefix_q, scope_queryset
from minzheng.registry import pii

from .models import (
    Assessment,
    Claim,
    ClaimLine,
    ClaimRun,
    Finding,
    FindingState,
    House,
    Inspection,
    Institution,
    InstitutionStaff,
    Residency,
    ServiceRequest,
)


def _town_q(town: str) -> Q:
    """A town filter typed by anyone (a query parameter): a 9-digit town prefix or nothing."""
    prefix = (town or "")[:9]
    return prefix_q("division", prefix) if prefix.isdigit() and len(prefix) == 9 else Q()


def institution_of(user) -> Institution | None:
    """The institution a staff account works at (None for officers and everyone else)."""
    if not getattr(user, "pk", None):
        return None
    cached = getattr(user, "_eldercare_institution", False)
    if cached is not False:
        return cached
    link = InstitutionStaff.objects.filter(user_id=user.pk).select_related("institution").first()
    user._eldercare_institution = link.institution if link else None
    return user._eldercare_institution


def institutions_for(user) -> QuerySet[Institution]:
    qs = scope_queryset(Institution.objects.all(), user)
    own = institution_of(user)
    return qs.filter(pk=own.pk) if own else qs


def institution_list(*, user, town: str = "", q: str = "") -> QuerySet[Institution]:
    qs = institutions_for(user).select_related("division")
    if town:
        qs = qs.filter(_town_q(town))
    if q:
        qs = qs.filter(name__icontains=q)
    return pii.without_secrets(_with_occupancy(qs))


def _with_occupancy(qs):
    return qs.annotate(
        occupied=Count("residencies", filter=Q(residencies__discharged_on__isnull=True))
    ).annotate(vacancies=Greatest(F("beds_total") - F("occupied"), Value(0)))


def institution_detail(*, user, pk: int) -> Institution:
    return get_in_scope_or_404(institutions_for(user).select_related("division"), user, pk=pk)


def occupied_beds(institution: Institution) -> int:
    return institution.residencies.filter(discharged_on__isnull=True).count()


def public_institutions(*, town: str = "") -> QuerySet[Institution]:
    """What the public portal shows (no personal data; anyone may read it)."""
    qs = Institution.objects.filter(is_active=True).select_related("division")
    if town:
        qs = qs.filter(_town_q(town))
    return pii.without_secrets(_with_occupancy(qs))


def public_houses(*, town: str = "") -> QuerySet[House]:
    qs = House.objects.select_related("division", "operator")
    if town:
        qs = qs.filter(_town_q(town))
    return pii.without_secrets(qs)


def house_list(*, user, town: str = "") -> QuerySet[House]:
    qs = scope_queryset(House.objects.all(), user).select_related("division", "operator")
    if institution_of(user):
        return qs.none()
    if town:
        qs = qs.filter(_town_q(town))
    return pii.without_secrets(qs)


def house_detail(*, user, pk: int) -> House:
    if institution_of(user):
        return get_in_scope_or_404(House.objects.none(), user, pk=pk)
    return get_in_scope_or_404(House.objects.select_related("division", "operator"), user, pk=pk)


def residencies_for(user) -> QuerySet[Residency]:
    qs = scope_queryset(Residency.objects.all(), user)
    own = institution_of(user)
    if own:
        qs = qs.filter(institution=own)
    return qs


def resident_list(
    *, user, institution: Institution, current_only: bool = True
) -> QuerySet[Residency]:
    qs = residencies_for(user).filter(institution=institution)
    if current_only:
        qs = qs.filter(discharged_on__isnull=True)
    return (
        qs.select_related("person")
        .defer("person__id_number", "person__phone")
        .order_by("admitted_on", "id")
    )


def residency_detail(*, user, pk: int) -> Residency:
    return get_in_scope_or_404(
        residencies_for(user).select_related("institution", "person"), user, pk=pk
    )


def latest_assessment(person_id: int, on: dt.date | None = None) -> Assessment | None:
    qs = Assessment.objects.filter(person_id=person_id)
    if on:
        qs = qs.filter(assessed_on__lte=on)
    return qs.order_by("-assessed_on", "-id").first()


def claims_for(user) -> QuerySet[Claim]:
    qs = scope_queryset(Claim.objects.all(), user)
    own = institution_of(user)
    if own:
        qs = qs.filter(institution=own)
    return qs.select_related("institution")


def claim_list(*, user, month: dt.date) -> QuerySet[Claim]:
    return (
        claims_for(user)
        .filter(month=month)
        .order_by("institution__division_id", "institution__name")
    )


def claim_detail(*, user, pk: int) -> Claim:
    return get_in_scope_or_404(claims_for(user), user, pk=pk)


def claim_lines(*, claim: Claim) -> QuerySet[ClaimLine]:
    return claim.lines.select_related("person").only(
        "id",
        "claim_id",
        "person__id",
        "person__name",
        "care_level",
        "resident_days",
        "absent_days",
        "paid_days",
        "monthly_rate",
        "amount",
        "held",
        "flags",
        "explanation",
    )


def claim_runs() -> QuerySet[ClaimRun]:
    return ClaimRun.objects.all()


def inspections_for(user) -> QuerySet[Inspection]:
    qs = scope_queryset(Inspection.objects.all(), user)
    own = institution_of(user)
    if own:
        qs = qs.filter(place_id=own.organisation_id)
    return qs.select_related("place", "inspection_type")


def inspection_list(*, user, place_id: int | None = None) -> QuerySet[Inspection]:
    qs = inspections_for(user)
    if place_id:
        qs = qs.filter(place_id=place_id)
    return qs.annotate(
        finding_count=Count("findings"),
        open_count=Count("findings", filter=Q(findings__state=FindingState.OPEN)),
    )


def inspection_detail(*, user, pk: int) -> Inspection:
    return get_in_scope_or_404(inspections_for(user), user, pk=pk)


def findings_for(user) -> QuerySet[Finding]:
    qs = scope_queryset(Finding.objects.all(), user)
    own = institution_of(user)
    if own:
        qs = qs.filter(inspection__place_id=own.organisation_id)
    return qs.select_related("inspection__place", "item")


def finding_detail(*, user, pk: int) -> Finding:
    return get_in_scope_or_404(findings_for(user), user, pk=pk)


def overdue_findings(*, user, today: dt.date | None = None) -> QuerySet[Finding]:
    today = today or timezone.localdate()
    return (
        findings_for(user)
        .filter(state=FindingState.OPEN, deadline__lt=today)
        .order_by("deadline", "id")
    )


def open_findings(*, user) -> QuerySet[Finding]:
    return findings_for(user).filter(state=FindingState.OPEN).order_by("deadline", "id")


def open_finding_count(user) -> int:
    return open_findings(user=user).count()


def requests_for(user) -> QuerySet[ServiceRequest]:
    qs = scope_queryset(ServiceRequest.objects.all(), user)
    own = institution_of(user)
    if own:
        qs = qs.filter(institution=own)
    return pii.without_secrets(qs.select_related("institution", "house"))


# ---------------------------------------------------------------- officers' figures


def beds_by_town(*, user) -> list[dict]:
    """Beds, occupied beds and institutions per town, computed from the records."""
    from minzheng.core.models import Division

    towns = {d.code[:9]: d.name for d in Division.objects.filter(level="town")}
    rows: dict[str, dict] = {}
    for inst in institution_list(user=user):
        key = inst.division_id[:9]
        row = rows.setdefault(
            key, {"town": towns.get(key, key), "institutions": 0, "beds": 0, "occupied": 0}
        )
        row["institutions"] += 1
        row["beds"] += inst.beds_total
        row["occupied"] += inst.occupied
    return [rows[k] for k in sorted(rows)]


def beds_by_grade(*, user) -> list[dict]:
    rows: dict[int, dict] = {}
    for inst in institution_list(user=user):
        g = inst.star_grade or 0
        row = rows.setdefault(g, {"grade": g, "institutions": 0, "beds": 0, "occupied": 0})
        row["institutions"] += 1
        row["beds"] += inst.beds_total
        row["occupied"] += inst.occupied
    return [rows[k] for k in sorted(rows)]


def subsidy_by_month(*, user, year: int | None = None) -> list[dict]:
    """Claimed and held amounts per month, from the claims in scope."""
    qs = claims_for(user)
    if year:
        qs = qs.filter(month__year=year)
    return list(
        qs.values("month")
        .annotate(total=Sum("total"), claims=Count("id"), elders=Sum("line_count"))
        .order_by("month")
    )
