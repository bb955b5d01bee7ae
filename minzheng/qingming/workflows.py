"""Qingming's declared workflows (core.workflow): states and moves as data."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from minzheng.core.workflow import START, Move, Workflow

from .models import ProxySweep, ProxySweepTransition

P = ProxySweep.Status

# 代客祭扫: a resident's request, then 受理 / 不予受理, then 完成 with a photo.
PROXY_SWEEP = Workflow(
    key="qingming.proxy_sweep",
    model=ProxySweep,
    log_model=ProxySweepTransition,
    log_subject="sweep",
    states=P,
    state_field="status",
    error_field="status",
    conflict_message=_("该申请刚被他人办理，请刷新后重试。"),
    moves=(
        Move("request", (START,), P.SUBMITTED, "提交申请"),
        Move("accept", (P.SUBMITTED,), P.ACCEPTED, "受理", "qingming.change_proxysweep"),
        Move("reject", (P.SUBMITTED,), P.REJECTED, "不予受理", "qingming.change_proxysweep"),
        Move("complete", (P.ACCEPTED,), P.DONE, "完成", "qingming.change_proxysweep"),
    ),
)
