"""The programmes' declared workflow (states and moves as data) and the helpers every
service of the engine uses to move an application, log a step and check the actor.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.core import workflow
from minzheng.core.params import parameter_value
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.core.workflow import START, Move, Workflow

from ..models import (
    Application,
    State,
    Transition,
)
from ..workdays import add_working_days

S = State

# The programmes' declared workflow (core.workflow): states and moves as data; every state
# change of an application goes through it. `permission` is what the service requires.

WORKFLOW = Workflow(
    key="programs.application",
    model=Application,
    log_model=Transition,
    log_subject="application",
    states=State,
    conflict_message=gettext_lazy("该申请刚被他人办理，请刷新后重试。"),
    moves=(
        Move("submit", (START,), S.SUBMITTED, "提交申请", "programs.add_application"),
        Move("accept", (S.SUBMITTED,), S.INVESTIGATION, "受理", "programs.accept_application"),
        Move("return", (S.SUBMITTED,), S.RETURNED, "退回补正", "programs.accept_application"),
        Move("resubmit", (S.RETURNED,), S.SUBMITTED, "补正后重新提交"),
        Move(
            "publicise",
            (S.INVESTIGATION,),
            S.PUBLICITY,
            "调查完成，开始公示",
            "programs.investigate_application",
        ),
        Move(
            "object",
            (S.PUBLICITY,),
            S.INVESTIGATION,
            "公示异议，重新调查",
            "programs.investigate_application",
        ),
        Move(
            "end_publicity",
            (S.PUBLICITY,),
            S.REVIEW,
            "公示期满无异议",
            "programs.investigate_application",
        ),
        Move("approve", (S.REVIEW,), S.APPROVED, "批准", "programs.approve_town"),
        Move("grant", (START,), S.APPROVED, "现场核验并批准"),
        Move(
            "refuse",
            (S.SUBMITTED, S.INVESTIGATION, S.REVIEW),
            S.REFUSED,
            "不予救助",
            "programs.approve_town",
        ),
        Move("withdraw", (S.SUBMITTED, S.RETURNED, S.INVESTIGATION), S.WITHDRAWN, "撤回申请"),
        Move("pay", (S.APPROVED,), S.PAID, "发放到账", "programs.manage_disbursement"),
        Move("close", (S.PAID,), S.CLOSED, "办结", "programs.approve_town"),
    ),
)
TRANSITIONS: dict[str, Move] = WORKFLOW.by_name

# Time limit of each waiting state, in working days (parameter key).
STATE_LIMITS = {
    S.SUBMITTED: "programs_days_submitted",
    S.RETURNED: "programs_days_returned",
    S.INVESTIGATION: "programs_days_investigation",
    S.REVIEW: "programs_days_review",
    S.APPROVED: "programs_days_approved",
}


def allowed_transitions(state: str) -> list[Move]:
    return WORKFLOW.allowed(state)


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
    target = WORKFLOW.find(application.state, name=step_name).target
    fields = {
        "state_since": on,
        "due_on": _due_on(target, on, application.division_id),
        **(extra or {}),
    }
    if target == S.PUBLICITY:
        fields["due_on"] = fields.get("publicity_end") or application.publicity_end
    return workflow.move(
        workflow=WORKFLOW,
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
