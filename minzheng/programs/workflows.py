"""The programmes' declared workflow (core.workflow): an application's states and moves
as data."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from minzheng.core.workflow import START, Move, Workflow

from .models import Application, State, Transition

S = State

# Every state change of an application goes through it. `permission` is what the service
# requires.

APPLICATION = Workflow(
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
        # A service point's monthly settlement reversed: paid again later as a new revision.
        Move("unpay", (S.PAID,), S.APPROVED, "结算冲销，恢复待发放"),
        # A service point's record made in error, voided before it was paid.
        Move("void", (S.APPROVED,), S.WITHDRAWN, "登记有误，作废"),
        Move("close", (S.PAID,), S.CLOSED, "办结", "programs.approve_town"),
    ),
)
