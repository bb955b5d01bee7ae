"""Reads of the volunteers app: scoped lists, boards, hours, rankings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from minzheng.core.scope import get_in_scope_or_404, scope_queryset

from .models import Activity, Attendance, PartyBranch, Shift, SignUp, Volunteer


def dispatch_job_latest(*, user, activity: Activity):
    """The user's latest background solve of the activity (`services.dispatch_start`), for
    the dispatch page's progress bar; a job is visible to whoever started it."""
    from minzheng.core.models import Job

    return (
        Job.objects.filter(kind="volunteers.dispatch", created_by=user)
        .filter(params__activity=activity.pk)
        .order_by("-created_at", "-pk")
        .first()
    )


def activity_list(*, user, status: str = "") -> QuerySet[Activity]:
    qs = scope_queryset(Activity.objects.all(), user)
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(
        needed=Sum("posts__shifts__needed"),
    ).order_by("-id")


def activity_detail(*, user, activity_id: int) -> Activity:
    return get_in_scope_or_404(Activity.objects.all(), user, pk=activity_id)


def activity_count(user) -> int:
    return scope_queryset(Activity.objects.exclude(status=Activity.Status.CLOSED), user).count()


@dataclass
class ShiftRow:
    shift: Shift
    confirmed: int
    pending: int
    waitlisted: int

    @property
    def fill_percent(self) -> int:
        return round(100 * self.confirmed / self.shift.needed) if self.shift.needed else 100


def activity_board(activity: Activity) -> list[ShiftRow]:
    """Fill status per post and shift, in one query."""
    shifts = (
        Shift.objects.filter(post__activity=activity)
        .select_related("post__site")
        .annotate(
            n_confirmed=Count("signups", filter=Q(signups__status=SignUp.Status.CONFIRMED)),
            n_pending=Count("signups", filter=Q(signups__status=SignUp.Status.PENDING)),
            n_wait=Count("signups", filter=Q(signups__status=SignUp.Status.WAITLISTED)),
        )
        .order_by("post__site_id", "post_id", "starts_at")
    )
    return [ShiftRow(s, s.n_confirmed, s.n_pending, s.n_wait) for s in shifts]


def portal_activities() -> QuerySet[Activity]:
    now = timezone.now()
    return (
        Activity.objects.filter(status=Activity.Status.PUBLISHED, posts__shifts__starts_at__gt=now)
        .distinct()
        .order_by("-published_at")
    )


def volunteer_for_user(user) -> Volunteer | None:
    profile = (
        getattr(user, "resident_profile", None) if getattr(user, "kind", "") == "resident" else None
    )
    if profile is None or profile.person_id is None:
        return None
    return (
        Volunteer.objects.filter(person_id=profile.person_id)
        .select_related("person", "branch")
        .first()
    )


def volunteer_list(*, user, q: str = "") -> QuerySet[Volunteer]:
    qs = scope_queryset(Volunteer.objects.select_related("person", "branch", "home_division"), user)
    if q:
        qs = qs.filter(person__name__startswith=q)
    return qs.annotate(minutes=Sum("signups__attendance__service_minutes")).order_by("id")


def volunteer_minutes(volunteer: Volunteer, *, year: int | None = None) -> int:
    qs = Attendance.objects.filter(signup__volunteer=volunteer)
    if year:
        qs = qs.filter(checked_in_at__year=year)
    return qs.aggregate(m=Sum("service_minutes"))["m"] or 0


def service_years(volunteer: Volunteer) -> list[int]:
    """Years with recorded service, newest first (for the certificate buttons)."""
    dates = Attendance.objects.filter(signup__volunteer=volunteer, service_minutes__gt=0).dates(
        "checked_in_at", "year", order="DESC"
    )
    return [d.year for d in dates]


def service_records(
    *, volunteer: Volunteer, period_from: dt.date, period_to: dt.date
) -> list[Attendance]:
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(period_from, dt.time.min, tz)
    hi = dt.datetime.combine(period_to + dt.timedelta(days=1), dt.time.min, tz)
    return list(
        Attendance.objects.filter(
            signup__volunteer=volunteer,
            checked_in_at__gte=lo,
            checked_in_at__lt=hi,
            service_minutes__gt=0,
        )
        .select_related("signup__shift__post__activity", "signup__shift__post__site")
        .order_by("checked_in_at")
    )


def my_signups(volunteer: Volunteer) -> QuerySet[SignUp]:
    return (
        SignUp.objects.filter(volunteer=volunteer)
        .select_related("shift__post__site", "shift__post__activity")
        .order_by("-shift__starts_at")
    )


def attendance_sheet(activity: Activity) -> QuerySet[SignUp]:
    return (
        SignUp.objects.filter(shift__post__activity=activity, status=SignUp.Status.CONFIRMED)
        .select_related("volunteer__person", "shift__post__site", "attendance")
        .order_by("shift__starts_at", "shift__post__site_id", "volunteer_id")
    )


def branch_ranking(*, user, year: int) -> list[dict]:
    """Hours per party branch in the year (members' service minutes), highest first."""
    branches = scope_queryset(PartyBranch.objects.select_related("division"), user)
    rows = branches.annotate(
        members=Count("volunteers", distinct=True),
        minutes=Sum(
            "volunteers__signups__attendance__service_minutes",
            filter=Q(volunteers__signups__attendance__checked_in_at__year=year),
        ),
    ).order_by("-minutes", "name")
    return [
        {"branch": b, "members": b.members, "hours": round((b.minutes or 0) / 60, 1)} for b in rows
    ]


def volunteer_ranking(*, user, year: int, limit: int = 50) -> list[Volunteer]:
    qs = scope_queryset(Volunteer.objects.select_related("person", "branch"), user)
    return list(
        qs.annotate(
            minutes=Sum(
                "signups__attendance__service_minutes",
                filter=Q(signups__attendance__checked_in_at__year=year),
            )
        )
        .filter(minutes__gt=0)
        .order_by("-minutes", "id")[:limit]
    )


# Reads for other apps (learning): branches and their party members stay in this app.


def party_branch_list(*, user=None) -> QuerySet[PartyBranch]:
    """Party branches, narrowed to the user's scope when a user is given."""
    qs = PartyBranch.objects.select_related("division").order_by("division_id", "name")
    return scope_queryset(qs, user) if user is not None else qs


def party_members(*, branch_ids) -> QuerySet[Volunteer]:
    """Active party-member volunteers of the given branches, with person and branch."""
    return (
        Volunteer.objects.filter(branch_id__in=list(branch_ids), is_party_member=True)
        .filter(is_active=True)
        .select_related("person", "branch")
        .order_by("branch_id", "id")
    )
