"""The declared moves of campaigns and spending requests (core.workflow)."""

from __future__ import annotations

from minzheng.core.workflow import START, Move, Workflow

from .models import (
    Campaign,
    CampaignState,
    CampaignTransition,
    Spending,
    SpendingState,
    SpendingTransition,
)

C = CampaignState
CAMPAIGN = Workflow(
    key="charity.campaign",
    model=Campaign,
    log_model=CampaignTransition,
    log_subject="campaign",
    states=CampaignState,
    error_field="state",
    moves=(
        Move("create", (START,), C.DRAFT, "新建", "charity.add_campaign"),
        Move("file", (C.DRAFT,), C.FILED, "备案", "charity.change_campaign"),
        Move("open", (C.FILED,), C.OPEN, "开始募捐", "charity.change_campaign"),
        Move("close", (C.OPEN,), C.CLOSED, "结束", "charity.change_campaign"),
        Move("report", (C.CLOSED,), C.REPORTED, "公开结项报告", "charity.add_disclosure"),
    ),
)

S = SpendingState
SPENDING = Workflow(
    key="charity.spending",
    model=Spending,
    log_model=SpendingTransition,
    log_subject="spending",
    states=SpendingState,
    error_field="state",
    moves=(
        Move("request", (START,), S.REQUESTED, "提出支出申请", "charity.add_spending"),
        Move("approve", (S.REQUESTED,), S.APPROVED, "批准支出", "charity.approve_spending"),
        Move("reject", (S.REQUESTED,), S.REJECTED, "退回", "charity.approve_spending"),
    ),
)
