"""The volunteers' declared workflows (core.workflow): states and moves as data."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from minzheng.core.workflow import START, Move, Workflow

from .models import Activity, ActivityTransition

A = Activity.Status

# An activity is drafted (sites, posts, shifts added), published to the portal (matching
# volunteers notified once) and closed when it is over: a closed activity takes no sign-ups.
ACTIVITY = Workflow(
    key="volunteers.activity",
    model=Activity,
    log_model=ActivityTransition,
    log_subject="activity",
    states=A,
    state_field="status",
    error_field="status",
    conflict_message=_("该活动刚被他人修改，请刷新后重试。"),
    moves=(
        Move("create", (START,), A.DRAFT, "创建活动", "volunteers.add_activity"),
        Move("publish", (A.DRAFT,), A.PUBLISHED, "发布活动", "volunteers.change_activity"),
        Move("close", (A.PUBLISHED,), A.CLOSED, "结束活动", "volunteers.change_activity"),
        # Service in an activity another app runs (welfare's visits, respite sessions): the
        # activity is recorded once it has happened, already ended.
        Move("record_outside", (START,), A.CLOSED, "登记其他业务的志愿服务"),
    ),
)
