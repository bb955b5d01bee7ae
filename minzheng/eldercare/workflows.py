"""Elderly care's declared workflows (core.workflow): states and moves as data."""

from __future__ import annotations

from minzheng.core.workflow import START, Move, Workflow

from .models import Finding, FindingState, FindingTransition

# An inspection finding is opened with the inspection and closed by a follow-up visit that
# confirms the rectification (整改销号).
FINDING = Workflow(
    key="eldercare.finding",
    model=Finding,
    log_model=FindingTransition,
    log_subject="finding",
    states=FindingState,
    error_field="state",
    moves=(
        Move("open", (START,), FindingState.OPEN, "发现问题", "eldercare.add_inspection"),
        Move(
            "close", (FindingState.OPEN,), FindingState.CLOSED, "整改销号", "eldercare.add_followup"
        ),
    ),
)
