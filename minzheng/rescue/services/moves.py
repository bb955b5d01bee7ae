"""The one helper that moves a rescue case through its declared workflow (`workflows.CASE`):
a conditional UPDATE, one CaseTransition row, one operation-log row."""

from __future__ import annotations

from django.utils import timezone

from minzheng.core import audit, workflow

from ..models import (
    Case,
    CaseState,
)
from ..workflows import CASE


def _transition(*, case: Case, to_state: str, reason: str, actor) -> None:
    # One declared move (core.workflow): a conditional UPDATE, so two concurrent changes of
    # the same case cannot both apply, and one CaseTransition row.
    from_state = case.state
    extra = {"closed_at": timezone.now()} if to_state == CaseState.RETURNED else {}
    workflow.move(
        workflow=CASE,
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
