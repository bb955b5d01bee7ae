"""Qingming's declared workflows (core.workflow): states and moves as data."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from minzheng.core.workflow import START, Move, Workflow

from .models import ProxySweep, ProxySweepTransition, Reservation, ReservationLog

P = ProxySweep.Status
R = Reservation.Status

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

# A booking: inserted as 待入园 by the booking transaction itself (the hot path: one INSERT,
# no log row), then entered, left (and re-entered where the cemetery allows it), cancelled,
# or marked a no-show after its day. Whether re-entry is allowed is a parameter of the
# cemetery, checked by the gate service before it asks for `reenter`.
RESERVATION = Workflow(
    key="qingming.reservation",
    model=Reservation,
    log_model=ReservationLog,
    log_subject="reservation",
    states=R,
    state_field="status",
    error_field="status",
    conflict_message=_("预约状态已变化，请刷新后重试。"),
    moves=(
        Move("enter", (R.BOOKED,), R.CHECKED_IN, "入园"),
        Move("reenter", (R.LEFT,), R.CHECKED_IN, "再次入园"),
        Move("leave", (R.CHECKED_IN,), R.LEFT, "出园"),
        # by the booking's owner, or by staff with qingming.change_reservation
        Move("cancel", (R.BOOKED,), R.CANCELLED, "取消预约"),
        Move("no_show", (R.BOOKED,), R.NO_SHOW, "当日未入园"),
    ),
)
