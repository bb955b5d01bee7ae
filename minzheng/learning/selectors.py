"""Reads of the study app: scoped lists, a member's own items, the leaders' figures.

Staff see what `core.scope` allows; a secretary (an account linked to branches by
`SecretaryBranch`) sees only the rows of the linked branches within that. Members see what
was published to their own branch, and their own records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from minzheng.core.scope import get_in_scope_or_404, scope_queryset
from minzheng.volunteers import selectors as volunteers

from . import rules
from .models import (
    CheckIn,
    Event,
    EventAttendance,
    MonthlyTest,
    Question,
    ReadingRecord,
    Reflection,
    SecretaryBranch,
    Sitting,
    SittingState,
    StudyDay,
    StudyIssue,
)

# ---------------------------------------------------------------- who


def member_for_user(user):
    """The party-member volunteer a resident account is bound to, or None."""
    if getattr(user, "kind", "") != "resident":
        return None
    member = volunteers.volunteer_for_user(user)
    if member is None or not member.is_party_member or member.branch_id is None:
        return None
    if not member.is_active:
        return None
    return member


def secretary_branch_ids(user) -> set[int] | None:
    """The branches a secretary account is linked to; None for other staff."""
    ids = set(SecretaryBranch.objects.filter(user=user).values_list("branch_id", flat=True))
    return ids or None


def staff_branches(user):
    """The branches a staff user works with: in scope, narrowed to a secretary's own."""
    qs = volunteers.party_branch_list(user=user)
    linked = secretary_branch_ids(user) if getattr(user, "pk", None) else None
    return qs.filter(pk__in=linked) if linked is not None else qs


def _narrow(qs: QuerySet, user, *, branch_field: str = "branch_id") -> QuerySet:
    qs = scope_queryset(qs, user)
    linked = secretary_branch_ids(user)
    return qs.filter(**{f"{branch_field}__in": linked}) if linked is not None else qs


def _published_to(qs: QuerySet, user) -> QuerySet:
    """Items (issues, tests, events) in scope; for a secretary, those sent to a branch of
    theirs or made by them."""
    qs = scope_queryset(qs, user)
    linked = secretary_branch_ids(user)
    if linked is not None:
        qs = qs.filter(Q(branches__in=linked) | Q(created_by=user)).distinct()
    return qs


def member_can_see(member, item) -> bool:
    """Whether an issue, test or event was sent to the member's branch."""
    return item.branches.filter(pk=member.branch_id).exists()


def studying_branch_ids() -> set[int]:
    """Branches that receive published study material (the reminder's audience)."""
    return set(
        StudyIssue.objects.filter(status=StudyIssue.Status.PUBLISHED).values_list(
            "branches", flat=True
        )
    ) - {None}


# ---------------------------------------------------------------- study material


def issue_list(*, user) -> QuerySet[StudyIssue]:
    return (
        _published_to(StudyIssue.objects.all(), user)
        .annotate(
            n_readers=Count("readings", distinct=True),
            n_finished=Count(
                "readings", filter=Q(readings__finished_at__isnull=False), distinct=True
            ),
        )
        .order_by("-year", "-number")
    )


def issue_detail(*, user, issue_id: int) -> StudyIssue:
    return get_in_scope_or_404(_published_to(StudyIssue.objects.all(), user), user, pk=issue_id)


def member_issues(member) -> QuerySet[StudyIssue]:
    return StudyIssue.objects.filter(
        status=StudyIssue.Status.PUBLISHED, branches=member.branch_id
    ).order_by("-year", "-number")


def member_issue(member, issue_id: int) -> StudyIssue:
    issue = member_issues(member).filter(pk=issue_id).first()
    if issue is None:
        raise Http404
    return issue


def issue_attachments(issue: StudyIssue):
    from django.contrib.contenttypes.models import ContentType

    from minzheng.core.models import Attachment

    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(StudyIssue),
        object_id=str(issue.pk),
        is_void=False,
    ).order_by("id")


def issue_readings(issue: StudyIssue, user) -> QuerySet[ReadingRecord]:
    return _narrow(issue.readings.select_related("member__person", "branch"), user).order_by(
        "branch_id", "opened_at"
    )


# ---------------------------------------------------------------- daily study


def study_days(member, *, since: dt.date | None = None) -> QuerySet[StudyDay]:
    qs = StudyDay.objects.filter(member=member)
    return qs.filter(day__gte=since) if since else qs


def member_today(member, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    days = list(
        StudyDay.objects.filter(member=member, day__gt=today - dt.timedelta(days=400))
        .values_list("day", "minutes", "points")
        .order_by("day")
    )
    row = next((d for d in days if d[0] == today), None)
    return {
        "studied": row is not None,
        "minutes": row[1] if row else 0,
        "points": row[2] if row else 0,
        "streak": rules.streak([d[0] for d in days], today),
    }


# ---------------------------------------------------------------- question bank


def question_list(*, q: str = "", category: str = "") -> QuerySet[Question]:
    qs = Question.objects.all()
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(stem__contains=q)
    return qs.order_by("category", "seq")


def question_categories() -> list[tuple[str, int, int, int]]:
    """(category, easy, medium, hard) counts of active questions."""
    rows = (
        Question.objects.filter(is_active=True)
        .values("category")
        .annotate(
            e=Count("id", filter=Q(difficulty=1)),
            m=Count("id", filter=Q(difficulty=2)),
            h=Count("id", filter=Q(difficulty=3)),
        )
        .order_by("category")
    )
    return [(r["category"], r["e"], r["m"], r["h"]) for r in rows]


# ---------------------------------------------------------------- tests


def test_list(*, user) -> QuerySet[MonthlyTest]:
    return (
        _published_to(MonthlyTest.objects.all(), user)
        .annotate(
            n_sittings=Count("sittings", distinct=True),
            average=Avg("sittings__score", filter=~Q(sittings__state=SittingState.OPEN)),
        )
        .order_by("-month", "-id")
    )


def test_detail(*, user, test_id: int) -> MonthlyTest:
    return get_in_scope_or_404(_published_to(MonthlyTest.objects.all(), user), user, pk=test_id)


def member_tests(member) -> QuerySet[MonthlyTest]:
    return MonthlyTest.objects.filter(
        status=MonthlyTest.Status.PUBLISHED, branches=member.branch_id
    ).order_by("-month", "-id")


def member_test(member, test_id: int) -> MonthlyTest:
    test = member_tests(member).filter(pk=test_id).first()
    if test is None:
        raise Http404
    return test


def member_sitting(member, sitting_id: int) -> Sitting:
    sitting = (
        Sitting.objects.filter(pk=sitting_id, member=member)
        .select_related("test")
        .prefetch_related("questions")
        .first()
    )
    if sitting is None:
        raise Http404
    return sitting


def member_sittings(member) -> dict[int, Sitting]:
    return {s.test_id: s for s in Sitting.objects.filter(member=member)}


@dataclass
class BranchScore:
    branch_id: int
    name: str
    members: int
    sat: int
    average: float | None
    best: int | None


def test_ranking(*, user, test: MonthlyTest) -> tuple[list[BranchScore], list[Sitting]]:
    """Branches by average score (members invited, members who sat), and every finished
    sitting by score, in the user's scope."""
    branches = list(staff_branches(user).filter(pk__in=test.branches.values("pk")))
    members = dict(
        volunteers.party_members(branch_ids=[b.pk for b in branches])
        .order_by()
        .values("branch_id")
        .annotate(n=Count("id"))
        .values_list("branch_id", "n")
    )
    done = _narrow(
        Sitting.objects.filter(test=test).exclude(state=SittingState.OPEN), user
    ).select_related("member__person", "branch")
    stats = {
        r["branch_id"]: r
        for r in done.values("branch_id").annotate(
            n=Count("id"), avg=Avg("score"), best=Max("score")
        )
    }
    rows = []
    for b in branches:
        s = stats.get(b.pk)
        rows.append(
            BranchScore(
                b.pk,
                b.name,
                members.get(b.pk, 0),
                s["n"] if s else 0,
                round(s["avg"], 1) if s and s["avg"] is not None else None,
                s["best"] if s else None,
            )
        )
    rows.sort(key=lambda r: (-(r.average or -1), r.name))
    return rows, list(done.order_by("-score", "submitted_at"))


# ---------------------------------------------------------------- events


def event_list(*, user) -> QuerySet[Event]:
    return (
        _published_to(Event.objects.all(), user)
        .annotate(n_attended=Count("attendance", distinct=True))
        .order_by("-starts_at")
    )


def event_detail(*, user, event_id: int) -> Event:
    return get_in_scope_or_404(_published_to(Event.objects.all(), user), user, pk=event_id)


def event_attendance(event: Event, user) -> QuerySet[EventAttendance]:
    return _narrow(event.attendance.select_related("member__person", "branch"), user)


def member_events(member) -> QuerySet[Event]:
    return Event.objects.filter(branches=member.branch_id).order_by("-starts_at")


def member_event(member, event_id: int) -> Event:
    event = member_events(member).filter(pk=event_id).first()
    if event is None:
        raise Http404
    return event


def reflection_list(*, user, state: str = "") -> QuerySet[Reflection]:
    qs = _narrow(Reflection.objects.select_related("member__person", "branch", "event"), user)
    return (qs.filter(state=state) if state else qs).order_by("-submitted_at")


def reflection_detail(*, user, reflection_id: int) -> Reflection:
    qs = _narrow(Reflection.objects.select_related("member__person", "branch", "event"), user)
    return get_in_scope_or_404(qs, user, pk=reflection_id)


# ---------------------------------------------------------------- leaders' views


@dataclass
class BranchRow:
    branch_id: int
    name: str
    members: int
    active: int  # members with at least one day of study in the period
    minutes: int
    points: int
    sat: int  # finished sittings in the period
    average: float | None
    attended: int

    @property
    def participation(self) -> float:
        return round(100 * self.active / self.members, 1) if self.members else 0.0

    @property
    def minutes_per_member(self) -> float:
        return round(self.minutes / self.members, 1) if self.members else 0.0


def branch_overview(*, user, start: dt.date, end: dt.date) -> list[BranchRow]:
    """Per branch in the user's scope, from records: members, members who studied, study
    minutes and points, finished sittings and their average, event check-ins — in a fixed
    number of queries whatever the number of branches."""
    branches = list(staff_branches(user))
    ids = [b.pk for b in branches]
    members = dict(
        volunteers.party_members(branch_ids=ids)
        .order_by()
        .values("branch_id")
        .annotate(n=Count("id"))
        .values_list("branch_id", "n")
    )
    days = {
        r["branch_id"]: r
        for r in StudyDay.objects.filter(branch_id__in=ids, day__gte=start, day__lte=end)
        .values("branch_id")
        .annotate(active=Count("member", distinct=True), m=Sum("minutes"), p=Sum("points"))
    }
    lo = dt.datetime.combine(start, dt.time.min, timezone.get_current_timezone())
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, lo.tzinfo)
    sat = {
        r["branch_id"]: r
        for r in Sitting.objects.filter(branch_id__in=ids, started_at__gte=lo, started_at__lt=hi)
        .exclude(state=SittingState.OPEN)
        .values("branch_id")
        .annotate(n=Count("id"), avg=Avg("score"))
    }
    attended = dict(
        EventAttendance.objects.filter(
            branch_id__in=ids, checked_in_at__gte=lo, checked_in_at__lt=hi
        )
        .values("branch_id")
        .annotate(n=Count("id"))
        .values_list("branch_id", "n")
    )
    out = []
    for b in branches:
        d, s = days.get(b.pk, {}), sat.get(b.pk, {})
        out.append(
            BranchRow(
                b.pk,
                b.name,
                members.get(b.pk, 0),
                d.get("active", 0),
                d.get("m") or 0,
                d.get("p") or 0,
                s.get("n", 0),
                round(s["avg"], 1) if s.get("avg") is not None else None,
                attended.get(b.pk, 0),
            )
        )
    return [r for r in out if r.members]


@dataclass
class MemberRow:
    member_id: int
    name: str
    branch: str
    days: int
    minutes: int
    last_day: dt.date | None
    tests: int
    average: float | None


def member_rows(
    *, user, start: dt.date, end: dt.date, behind_only: bool = False
) -> list[MemberRow]:
    """Every member of the user's branches with their figures in the period; `behind_only`
    keeps those who studied fewer than half the days of the period or missed a test."""
    ids = list(staff_branches(user).values_list("pk", flat=True))
    members = list(volunteers.party_members(branch_ids=ids))
    days = {
        r["member_id"]: r
        for r in StudyDay.objects.filter(branch_id__in=ids, day__gte=start, day__lte=end)
        .values("member_id")
        .annotate(n=Count("id"), m=Sum("minutes"))
    }
    last = dict(
        StudyDay.objects.filter(branch_id__in=ids, day__lte=end)
        .values("member_id")
        .annotate(last=Max("day"))
        .values_list("member_id", "last")
    )
    lo = dt.datetime.combine(start, dt.time.min, timezone.get_current_timezone())
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, lo.tzinfo)
    tests = {
        r["member_id"]: r
        for r in Sitting.objects.filter(branch_id__in=ids, started_at__gte=lo, started_at__lt=hi)
        .exclude(state=SittingState.OPEN)
        .values("member_id")
        .annotate(n=Count("id"), avg=Avg("score"))
    }
    n_tests = (
        MonthlyTest.objects.filter(
            branches__in=ids, opens_at__lt=hi, closes_at__lte=hi, opens_at__gte=lo
        )
        .values("pk")
        .distinct()
        .count()
    )
    period_days = (min(end, timezone.localdate()) - start).days + 1
    rows = []
    for m in members:
        d, t = days.get(m.pk, {}), tests.get(m.pk, {})
        row = MemberRow(
            m.pk,
            m.person.name,
            m.branch.name,
            d.get("n", 0),
            d.get("m") or 0,
            last.get(m.pk),
            t.get("n", 0),
            round(t["avg"], 1) if t.get("avg") is not None else None,
        )
        if behind_only and not (row.days * 2 < period_days or row.tests < n_tests):
            continue
        rows.append(row)
    rows.sort(key=lambda r: (r.days, r.minutes, r.name))
    return rows


# ---------------------------------------------------------------- a member's own record


def member_record(member, *, year: int) -> dict:
    days = StudyDay.objects.filter(member=member, day__year=year)
    totals = days.aggregate(n=Count("id"), m=Sum("minutes"), p=Sum("points"))
    sittings = list(
        Sitting.objects.filter(member=member, test__month__year=year)
        .exclude(state=SittingState.OPEN)
        .select_related("test")
        .order_by("test__month")
    )
    return {
        "days": totals["n"] or 0,
        "minutes": totals["m"] or 0,
        "points": totals["p"] or 0,
        "sittings": sittings,
        "readings": ReadingRecord.objects.filter(member=member, issue__year=year).count(),
        "finished": ReadingRecord.objects.filter(
            member=member, issue__year=year, finished_at__isnull=False
        ).count(),
        "events": list(
            EventAttendance.objects.filter(member=member, checked_in_at__year=year)
            .select_related("event")
            .order_by("checked_in_at")
        ),
        "reflections": list(
            Reflection.objects.filter(member=member, event__starts_at__year=year).select_related(
                "event"
            )
        ),
        "checkins": CheckIn.objects.filter(day__member=member, day__day__year=year).count(),
    }
