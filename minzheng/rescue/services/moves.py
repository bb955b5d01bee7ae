"""The declared workflow of a rescue case and the one helper that moves a case through it
(a conditional UPDATE, one CaseTransition row, one operation-log row)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy

from minzheng.core import audit, workflow
from minzheng.core.workflow import Workflow

from .. import rules
from ..models import (
    Case,
    CaseState,
    CaseTransition,
)

WORKFLOW = Workflow(
    key="rescue.case",
    model=Case,
    log_model=CaseTransition,
    log_subject="case",
    states=CaseState,
    moves=rules.MOVES,
    error_field="to_state",
    conflict_message=gettext_lazy("个案状态已被他人修改，请刷新后重试。"),
)


def _transition(*, case: Case, to_state: str, reason: str, actor) -> None:
    # One declared move (core.workflow): a conditional UPDATE, so two concurrent changes of
    # the same case cannot both apply, and one CaseTransition row.
    from_state = case.state
    extra = {"closed_at": timezone.now()} if to_state == CaseState.RETURNED else {}
    workflow.move(
        workflow=WORKFLOW,
        obj=case,
        to=to_state,
        actor=actor,
        reason=reason[:200],
        extra_updates=extra,
    )
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=case,
        summary=f"{case.number} {CaseState(from_state).label} → {CaseState(to_state).label}：{reason}"[
            :300
        ],
    )
