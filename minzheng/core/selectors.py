"""Reads of the core app that need scoping or filtering."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from .models import Job, OperationLog, PolicyParameter


def operation_log_search(
    *,
    username: str = "",
    action: str = "",
    target: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[OperationLog]:
    qs = OperationLog.objects.all()
    if username:
        qs = qs.filter(username__icontains=username)
    if action:
        qs = qs.filter(action=action)
    if target:
        qs = qs.filter(target_type=target) if "." in target else qs.filter(target_id=target)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs.select_related("user")


def parameters_in_force(*, on: dt.date) -> QuerySet[PolicyParameter]:
    from django.db.models import Q

    return (
        PolicyParameter.objects.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .select_related("division")
    )


def job_for_user(*, user, job_id: int) -> Job:
    """A job is visible to the user who started it (and administrators)."""
    from django.http import Http404

    qs = Job.objects.all() if user.is_superuser else Job.objects.filter(created_by=user)
    try:
        return qs.get(pk=job_id)
    except Job.DoesNotExist:
        raise Http404 from None


def division_choices(
    *, user, levels: tuple[str, ...] = ("town", "community")
) -> list[tuple[str, str]]:
    """(code, label) of the divisions within the user's scope, for select boxes."""
    from .models import Division
    from .scope import user_prefix

    prefix = user_prefix(user)
    if prefix is None:
        return []
    rows = Division.objects.filter(
        level__in=levels, code__startswith=prefix, is_active=True
    ).select_related("parent")
    return [(d.code, _division_label(d)) for d in rows.order_by("code")]


def all_division_choices(
    *, levels: tuple[str, ...] = ("town", "community")
) -> list[tuple[str, str]]:
    """Every division of the district (e.g. for a household registration elsewhere)."""
    from .models import Division

    rows = (
        Division.objects.filter(level__in=levels, is_active=True)
        .select_related("parent")
        .order_by("code")
    )
    return [(d.code, _division_label(d)) for d in rows]


def _division_label(division) -> str:
    return (
        f"{division.parent.name} / {division.name}"
        if division.level == "community" and division.parent
        else division.name
    )


@dataclass(frozen=True)
class Lockout:
    """One sign-in lockout: an account refused from one client address."""

    username: str
    ip: str | None
    failures: int
    last_failure: dt.datetime
    until: dt.datetime | None  # None: no cool-off configured, held until unlocked


def lockouts_current(*, now: dt.datetime | None = None) -> list[Lockout]:
    """The (account, address) pairs django-axes refuses now, newest first.

    Counted as axes counts them (AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]):
    the failures of the pair within the cool-off, summed over the browsers they came from.
    """
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.db.models import Max, Sum
    from django.utils import timezone

    now = now or timezone.now()
    cool_off = get_cool_off()
    attempts = AccessAttempt.objects.all()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=now - cool_off)
    rows = (
        attempts.values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last", "username")
    )
    return [
        Lockout(
            username=r["username"] or "",
            ip=r["ip_address"],
            failures=r["failures"],
            last_failure=r["last"],
            until=r["last"] + cool_off if cool_off is not None else None,
        )
        for r in rows
    ]
