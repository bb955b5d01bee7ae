"""Reads of the funeral fee exemption, every one narrowed to the user's scope and, for a
funeral home's staff, to their own home (object-level restriction)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet, Sum

from minzheng.core.scope import get_in_scope_or_404, scope_queryset
from minzheng.registry import pii

from .models import FuneralHome, HomeStaff, ServiceRecord, Settlement


def home_of(user) -> FuneralHome | None:
    """The funeral home a staff account works at (None for officers and everyone else)."""
    if not getattr(user, "pk", None):
        return None
    link = HomeStaff.objects.filter(user_id=user.pk).select_related("home").first()
    return link.home if link else None


def homes_for(user) -> QuerySet[FuneralHome]:
    qs = scope_queryset(FuneralHome.objects.all(), user)
    own = home_of(user)
    return qs.filter(pk=own.pk) if own else qs


def services_for(user) -> QuerySet[ServiceRecord]:
    qs = scope_queryset(ServiceRecord.objects.all(), user)
    own = home_of(user)
    if own:
        qs = qs.filter(home=own)
    return qs.select_related("home", "application")


# List filter: the default shows the records that count; voided ones on request.
STATUS_LIVE, STATUS_VOIDED, STATUS_ALL = "", "voided", "all"


def service_list(
    *,
    user,
    home_id: int | None = None,
    month: dt.date | None = None,
    status: str = STATUS_LIVE,
) -> QuerySet[ServiceRecord]:
    """Records in the user's scope; voided ones only with status "voided" or "all"."""
    qs = services_for(user)
    if status == STATUS_VOIDED:
        qs = qs.voided()
    elif status != STATUS_ALL:
        qs = qs.live()
    if home_id:
        qs = qs.filter(home_id=home_id)
    if month:
        from .services import next_month

        qs = qs.filter(service_date__gte=month, service_date__lt=next_month(month))
    return pii.without_secrets(qs)


def service_detail(*, user, pk: int) -> ServiceRecord:
    """One record in scope (voided ones too: the detail shows who voided it, when, why)."""
    return get_in_scope_or_404(
        services_for(user).select_related("settlement", "voided_by", "recorded_by"), user, pk=pk
    )


def home_detail(*, user, pk: int) -> FuneralHome:
    return get_in_scope_or_404(homes_for(user), user, pk=pk)


def settlements_for(user) -> QuerySet[Settlement]:
    qs = scope_queryset(Settlement.objects.all(), user)
    own = home_of(user)
    if own:
        qs = qs.filter(home=own)
    return qs.select_related("home")


def month_services(*, home: FuneralHome, month: dt.date) -> QuerySet[ServiceRecord]:
    """Every live exempted service of the home in the month (settled or not; voided ones
    excluded), oldest first."""
    from .services import next_month

    return (
        ServiceRecord.objects.live()
        .filter(home=home, service_date__gte=month, service_date__lt=next_month(month))
        .select_related("application")
        .order_by("service_date", "id")
    )


def posted_settlement(*, home: FuneralHome, month: dt.date) -> Settlement | None:
    return Settlement.objects.filter(
        home=home, month=month, status=Settlement.Status.POSTED
    ).first()


def month_overview(*, user, year: int) -> list[dict]:
    """Per home and month of `year`: services, total, and the posted settlement if any."""
    rows = (
        services_for(user)
        .live()
        .filter(service_date__year=year)
        .values("home_id", "home__name", "service_date__month")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("home__name", "service_date__month")
    )
    posted = {
        (s.home_id, s.month.month): s
        for s in settlements_for(user).filter(month__year=year, status=Settlement.Status.POSTED)
    }
    return [
        {
            "home_id": r["home_id"],
            "home": r["home__name"],
            "month": dt.date(year, r["service_date__month"], 1),
            "count": r["n"],
            "total": r["total"],
            "settlement": posted.get((r["home_id"], r["service_date__month"])),
        }
        for r in rows
    ]


def exemption_totals(*, start: dt.date, end: dt.date) -> dict:
    """People and amount exempted with service dates in [start, end] (the published figure)."""
    agg = (
        ServiceRecord.objects.live()
        .filter(service_date__gte=start, service_date__lte=end)
        .aggregate(n=Count("id"), total=Sum("amount"))
    )
    return {"count": agg["n"], "total": agg["total"]}


def service_count(user) -> int:
    return services_for(user).live().count()
