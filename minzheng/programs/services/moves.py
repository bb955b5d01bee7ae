"""The helpers every service of the engine uses to move an application through its declared
workflow (`workflows.APPLICATION`), log a step and check the actor."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import workflow
from minzheng.core.params import parameter_value
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.core.workflow import Move

from ..models import (
    Application,
    State,
    Transition,
)
from ..workdays import add_working_days
from ..workflows import APPLICATION

S = State


# Time limit of each waiting state, in working days (parameter key).
STATE_LIMITS = {
    S.SUBMITTED: "programs_days_submitted",
    S.RETURNED: "programs_days_returned",
    S.INVESTIGATION: "programs_days_investigation",
    S.REVIEW: "programs_days_review",
    S.APPROVED: "programs_days_approved",
}


def allowed_transitions(state: str) -> list[Move]:
    return APPLICATION.allowed(state)


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def _param(key: str, on: dt.date, division_code: str | None = None):
    return parameter_value(key, on=on, division_code=division_code).value


def _due_on(state: str, on: dt.date, division_code: str) -> dt.date | None:
    key = STATE_LIMITS.get(state)
    return add_working_days(on, int(_param(key, on, division_code))) if key else None


def _move(
    application: Application,
    step_name: str,
    *,
    actor,
    reason: str = "",
    on: dt.date,
    extra: dict | None = None,
) -> Transition:
    """Apply a declared move through core.workflow. The caller holds the transaction; the
    UPDATE is conditional on the state read, so a concurrent move of the same case fails
    cleanly."""
    target = APPLICATION.find(application.state, name=step_name).target
    fields = {
        "state_since": on,
        "due_on": _due_on(target, on, application.division_id),
        **(extra or {}),
    }
    if target == S.PUBLICITY:
        fields["due_on"] = fields.get("publicity_end") or application.publicity_end
    return workflow.move(
        workflow=APPLICATION,
        obj=application,
        name=step_name,
        actor=actor,
        reason=reason,
        extra_updates=fields,
        log_extra={"actor_name": _actor_name(actor), "on": on},
    )


def _actor_name(actor) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return ""
    if getattr(actor, "kind", "staff") == "resident":
        return _("申请人")
    return getattr(actor, "display_name", "") or actor.get_username()


def _log(actor, application: Application, name: str, reason: str, on: dt.date) -> Transition:
    """A timeline row for an action that does not change the state (advance, visit …)."""
    return Transition.objects.create(
        application=application,
        name=name,
        from_state=application.state,
        to_state=application.state,
        actor=actor,
        actor_name=_actor_name(actor),
        at=timezone.now(),
        on=on,
        reason=reason,
    )


def _check_staff(actor, application: Application, perm: str) -> None:
    require_perm(actor, perm)
    if not code_in_scope(actor, application.division_id):
        raise PermissionDenied(_("该申请不在您的管辖范围内。"))


def _is_owner(actor, application: Application) -> bool:
    return bool(actor and actor.is_authenticated and application.resident_id == actor.pk)


def applications_move(
    *,
    actor,
    application_ids,
    name: str,
    on: dt.date,
    reason: str,
    permission: str,
    extra: dict | None = None,
) -> list[int]:
    """Move a set of applications by the declared move `name` (a service point's monthly
    settlement pays its month, a reversal un-pays it): the rows in the move's source state
    are locked in key order and moved, one Transition row each; others are left alone.
    `permission` is the caller's own. Returns the moved ids; the caller holds the
    transaction."""
    require_perm(actor, permission)
    return workflow.move_many(
        workflow=APPLICATION,
        queryset=Application.objects.filter(pk__in=list(application_ids)),
        name=name,
        actor=actor,
        reason=reason,
        extra_updates={"state_since": on, "due_on": None, **(extra or {})},
        log_extra={"actor_name": _actor_name(actor), "on": on},
    )
