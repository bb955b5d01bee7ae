"""Declared moves (core.workflow) of answer sheets and reflections."""

from __future__ import annotations

from minzheng.core.workflow import START, Move, Workflow

from .models import (
    Reflection,
    ReflectionState,
    ReflectionTransition,
    Sitting,
    SittingState,
    SittingTransition,
)

S, R = SittingState, ReflectionState

SITTING = Workflow(
    key="learning.sitting",
    model=Sitting,
    log_model=SittingTransition,
    log_subject="sitting",
    states=SittingState,
    error_field="sitting",
    moves=(
        Move("start", (START,), S.OPEN, "开始答题"),
        Move("submit", (S.OPEN,), S.SUBMITTED, "交卷"),
        Move("expire", (S.OPEN,), S.EXPIRED, "超时收卷"),
    ),
)

REFLECTION = Workflow(
    key="learning.reflection",
    model=Reflection,
    log_model=ReflectionTransition,
    log_subject="reflection",
    states=ReflectionState,
    error_field="decision",
    moves=(
        Move("submit", (START,), R.SUBMITTED, "提交心得", ""),
        Move("approve", (R.SUBMITTED,), R.APPROVED, "审阅通过", "learning.review_reflection"),
        Move("return", (R.SUBMITTED,), R.RETURNED, "退回修改", "learning.review_reflection"),
        Move("resubmit", (R.RETURNED,), R.SUBMITTED, "重新提交", ""),
    ),
)
