"""The rescue station's declared workflow (core.workflow): a case's states and moves as data."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from minzheng.core.workflow import START, Move, Workflow

from .models import Case, CaseState, CaseTransition

S = CaseState

# Every change writes a CaseTransition row; RETURNED closes the case and is reached only
# through a return home, TO_RETURN only through a confirmed match.
CASE = Workflow(
    key="rescue.case",
    model=Case,
    log_model=CaseTransition,
    log_subject="case",
    states=CaseState,
    error_field="to_state",
    conflict_message=gettext_lazy("个案状态已被他人修改，请刷新后重试。"),
    moves=(
        Move("intake", (START,), S.CHECKED_IN, "入站登记", "rescue.add_case"),
        Move(
            "check_in",
            (S.CHECKED_OUT, S.TRANSFERRED, S.TO_RETURN),
            S.CHECKED_IN,
            "重新入站",
            "rescue.change_case",
        ),
        Move("check_out", (S.CHECKED_IN,), S.CHECKED_OUT, "离站", "rescue.change_case"),
        Move("transfer", (S.CHECKED_IN,), S.TRANSFERRED, "转介", "rescue.change_case"),
        Move(
            "to_return",
            (S.CHECKED_IN, S.CHECKED_OUT, S.TRANSFERRED),
            S.TO_RETURN,
            "确认寻亲，待送返",
            "rescue.decide_match",
        ),
        Move(
            "return_home",
            (S.CHECKED_IN, S.CHECKED_OUT, S.TRANSFERRED, S.TO_RETURN),
            S.RETURNED,
            "送返结案",
            "rescue.change_case",
        ),
    ),
)
