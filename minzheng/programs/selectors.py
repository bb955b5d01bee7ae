"""Reads of the assistance engine: workbench queues (scoped, constant query count), the
case page, the portal's own applications and the public publicity list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.core.models import Attachment, Job
from minzheng.core.scope import get_in_scope_or_404, scope_queryset

from .models import (
    OPEN_STATES,
    RETURN_JOB_KIND,
    Application,
    Decision,
    DisbursementBatch,
    Programme,
    State,
    Transition,
)


@dataclass(frozen=True)
class Queue:
    key: str
    title: str
    states: tuple[str, ...]
    permission: str


QUEUES = (
    Queue("accept", _("待受理"), (State.SUBMITTED,), "programs.accept_application"),
    Queue("investigate", _("待调查"), (State.INVESTIGATION,), "programs.investigate_application"),
    Queue("publicity", _("公示中"), (State.PUBLICITY,), "programs.investigate_application"),
    Queue("approve", _("待审批"), (State.REVIEW,), "programs.approve_town"),
    Queue("pay", _("待发放"), (State.APPROVED,), "programs.manage_disbursement"),
    Queue("returned", _("退回补正"), (State.RETURNED,), "programs.accept_application"),
)
QUEUE_BY_KEY = {q.key: q for q in QUEUES}


def _can(user, queue: Queue) -> bool:
    if queue.key == "approve":
        return user.has_perm("programs.approve_town") or user.has_perm("programs.approve_district")
    return user.has_perm(queue.permission) or user.has_perm("programs.view_application")


def queues_for(user) -> list[Queue]:
    return [q for q in QUEUES if _can(user, q)]


def scoped_applications(user) -> QuerySet[Application]:
    return scope_queryset(Application.objects.all(), user)


def queue_counts(*, user, today: dt.date | None = None) -> dict[str, dict[str, int]]:
    """Open cases and overdue cases per state in the user's scope: one query."""
    today = today or timezone.localdate()
    rows = (
        scoped_applications(user)
        .filter(state__in=OPEN_STATES)
        .values("state")
        .annotate(n=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)))
    )
    by_state = {r["state"]: r for r in rows}
    out = {}
    for q in QUEUES:
        out[q.key] = {
            "n": sum(by_state.get(s, {}).get("n", 0) for s in q.states),
            "overdue": sum(by_state.get(s, {}).get("overdue", 0) for s in q.states),
        }
    return out


def queue_list(
    *,
    user,
    queue: str,
    programme_code: str = "",
    overdue_only: bool = False,
    today: dt.date | None = None,
) -> QuerySet[Application]:
    """Cases waiting in one step, oldest deadline first; programme and division joined in
    the same query so a page costs the same whatever its size."""
    today = today or timezone.localdate()
    q = QUEUE_BY_KEY[queue]
    qs = (
        scoped_applications(user)
        .filter(state__in=q.states)
        .select_related("programme", "division")
        .only(
            "id",
            "number",
            "applicant_name",
            "state",
            "due_on",
            "submitted_on",
            "amount",
            "fast_path",
            "paperwork_due",
            "paperwork_done_on",
            "staff_related",
            "publicity_end",
            "division__name",
            "programme__name",
            "programme__applicant_kind",
            "organisation_id",
            "advance_amount",
        )
        .order_by("due_on", "id")
    )
    if programme_code:
        qs = qs.filter(programme__code=programme_code)
    if overdue_only:
        qs = qs.filter(due_on__lt=today)
    return qs


def paperwork_overdue(*, user, today: dt.date | None = None) -> QuerySet[Application]:
    """Fast-path cases whose paperwork is late (paid first, documents still missing)."""
    today = today or timezone.localdate()
    return (
        scoped_applications(user)
        .filter(fast_path=True, paperwork_done_on__isnull=True, paperwork_due__lt=today)
        .exclude(state__in=[State.REFUSED, State.WITHDRAWN])
        .only("id", "number", "applicant_name", "paperwork_due", "division_id", "state")
        .order_by("paperwork_due", "id")
    )


def open_count(user) -> int:
    return scoped_applications(user).filter(state__in=OPEN_STATES).count()


def application_detail(*, user, application_id: int) -> Application:
    return get_in_scope_or_404(
        Application.objects.select_related("programme", "division", "resident"),
        user,
        pk=application_id,
    )


def application_timeline(*, application: Application) -> QuerySet[Transition]:
    return application.transitions.order_by("at", "id")


def application_documents(*, application: Application) -> list[Attachment]:
    """The application's documents, each with `kind_label`: the programme's name for the
    kind of document (身份证, 户口簿 …), never its code."""
    labels = {d["kind"]: d["label"] for d in application.programme.documents_required}
    labels.setdefault("other", str(_("其他材料")))
    documents = list(
        Attachment.objects.filter(
            content_type__app_label="programs",
            content_type__model="application",
            object_id=str(application.pk),
            is_void=False,
        ).order_by("uploaded_at")
    )
    for d in documents:
        d.kind_label = labels.get(d.kind, str(_("其他材料")))
    return documents


def current_decision(*, application: Application) -> Decision | None:
    """The latest decision, its parameter records carrying each parameter's name (`name`)
    so pages say 最低生活保障标准, not dibao_standard."""
    from minzheng.core.models import PolicyParameter

    decision = application.decisions.order_by("-id").first()
    if decision is not None:
        names = dict(
            PolicyParameter.objects.filter(
                pk__in=[r.get("parameter_id") for r in decision.parameters]
            ).values_list("pk", "name")
        )
        for record in decision.parameters:
            record["name"] = names.get(record.get("parameter_id"), record["key"])
    return decision


def resident_applications(*, user) -> QuerySet[Application]:
    return Application.objects.filter(resident=user).select_related("programme").order_by("-id")


def application_progress(*, number: str, id_number: str) -> Application | None:
    """The application with this number whose applicant has this ID number, for the public
    progress lookup; None when either does not match (the caller answers both the same)."""
    from django.core.exceptions import ValidationError

    from minzheng.registry import validators
    from minzheng.registry.pii import blind_index

    number = (number or "").strip().upper()
    try:
        id_hash = blind_index(validators.parse_id_number(id_number or "").number, kind="id")
    except ValidationError:
        return None
    if not number:
        return None
    return (
        Application.objects.select_related("programme")
        .only("number", "state", "submitted_on", "state_since", "programme__name")
        .filter(number=number, applicant_id_hash=id_hash)
        .first()
    )


def resident_application(*, user, application_id: int) -> Application:
    from django.http import Http404

    application = (
        Application.objects.select_related("programme")
        .filter(resident=user, pk=application_id)
        .first()
    )
    if application is None:
        raise Http404
    return application


def publicity_list(*, today: dt.date | None = None) -> QuerySet[Application]:
    """Cases in publicity today (public page: names masked, amounts shown)."""
    today = today or timezone.localdate()
    return (
        Application.objects.filter(
            state=State.PUBLICITY, publicity_start__lte=today, publicity_end__gte=today
        )
        .select_related("programme", "division")
        .order_by("publicity_end", "id")
    )


def portal_programmes() -> QuerySet[Programme]:
    return Programme.objects.filter(is_active=True, portal_open=True)


def batch_list(*, user) -> QuerySet[DisbursementBatch]:
    return scope_queryset(DisbursementBatch.objects.select_related("programme", "created_by"), user)


def batch_detail(*, user, batch_id: int) -> DisbursementBatch:
    return get_in_scope_or_404(DisbursementBatch.objects.all(), user, pk=batch_id)


def batch_return_job(*, user, batch: DisbursementBatch) -> Job | None:
    """The latest bank-return import of the batch that this user may follow (jobs are
    visible to whoever started them, and to administrators, as on core's job page)."""
    jobs = Job.objects.filter(kind=RETURN_JOB_KIND, params__batch=batch.pk)
    if not user.is_superuser:
        jobs = jobs.filter(created_by=user)
    return jobs.order_by("-pk").first()


def payable_summary(*, programme_code: str, party: str):
    """What the ledger still owes a payee under a programme (for settlements)."""
    from minzheng.ledger import selectors as ledger_q
    from minzheng.ledger.accounts import payable_code

    return ledger_q.party_balance(payable_code(programme_code), party)


def facts_display(*, application: Application) -> list[tuple[str, str]]:
    """The stated facts with their labels and choice names, in the rule set's order."""
    from .rules import get_rules

    rows = []
    for f in get_rules(application.programme.rules_key).fields:
        value = application.facts.get(f.name)
        if value in (None, ""):
            continue
        if f.kind == "choice":
            value = dict(f.choices).get(value, value)
        elif f.kind == "bool":
            value = _("是") if value else _("否")
        rows.append((str(f.label), str(value)))
    return rows


def proposed_amount(*, application: Application):
    """What the approval form offers: the amount the rules calculated, or the amount asked
    for when that is less (an approver does not grant more than was asked unprompted)."""
    calculated = application.amount
    asked = (application.facts or {}).get("requested_amount")
    if calculated is None:
        return None
    if asked not in (None, ""):
        try:
            return min(calculated, Decimal(str(asked)))
        except ArithmeticError:
            return calculated
    return calculated


def second_investigators(*, user, application: Application):
    """Who may be the second investigator of a home visit: active staff (not the first
    investigator, not administrators) holding programs.investigate_application whose own
    division covers the application's — its community, town or the district. The service
    checks the same (`investigation_record`); the form offers no one else."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    from minzheng.core.params import ancestor_codes

    perm = Permission.objects.filter(
        content_type__app_label="programs", codename="investigate_application"
    ).first()
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            kind="staff",
            is_superuser=False,
            division_id__in=ancestor_codes(application.division_id),
        )
        .filter(Q(groups__permissions=perm) | Q(user_permissions=perm))
        .exclude(pk=user.pk)
        .distinct()
        .order_by("division_id", "username")
    )


def application_search(
    *,
    user,
    year: int | None = None,
    programme_code: str = "",
    state: str = "",
    division_code: str = "",
    text: str = "",
) -> QuerySet[Application]:
    """Every application in the user's scope — open and closed, any year — narrowed by
    year, programme, state, division (a town or community: everything under it) and a
    text: an application number, an applicant's name, or an 18-digit ID number (found by
    its keyed hash, never by decrypting). Newest first."""
    from minzheng.core.scope import division_prefix_of, prefix_q
    from minzheng.registry import validators
    from minzheng.registry.pii import blind_index

    qs = scoped_applications(user).select_related("programme", "division")
    if year:
        qs = qs.filter(year=year)
    if programme_code:
        qs = qs.filter(programme__code=programme_code)
    if state:
        qs = qs.filter(state=state)
    if division_code:
        qs = qs.filter(prefix_q("division", division_prefix_of(division_code)))
    text = " ".join((text or "").split())
    if text:
        try:
            number = validators.parse_id_number(text).number
        except Exception:
            number = ""
        if number:
            qs = qs.filter(applicant_id_hash=blind_index(number, kind="id"))
        elif text.upper().startswith("JZ"):
            qs = qs.filter(number=text.upper())
        else:
            qs = qs.filter(applicant_name__startswith=text)
    return qs.order_by("-submitted_on", "-id")


def person_assistance(user, person) -> list[tuple[str, str]]:
    """A registry person's applications in the user's scope (linked to the person, or made
    with their ID number before the link existed), newest first: for the person's page."""
    from django.urls import reverse

    qs = (
        scoped_applications(user)
        .filter(Q(person_id=person.pk) | Q(applicant_id_hash=person.id_number_hash))
        .select_related("programme")
        .order_by("-submitted_on", "-id")[:50]
    )
    return [
        (
            f"{a.submitted_on:%Y-%m-%d} {a.programme.name} {a.number} · {a.get_state_display()}"
            + (f" · {a.amount} 元" if a.amount is not None else ""),
            reverse("programs:case", args=[a.pk]),
        )
        for a in qs
    ]
