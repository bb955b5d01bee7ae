"""Qingming's rate limit, declared on the one mechanism (`core.ratelimit`).

Booking attempts per client address (`core.context.client_ip`), default 60 per 60 s;
settings.QINGMING_BOOKING_RATE_LIMIT = (attempts, seconds) or "N/60s" overrides it, None
turns it off (the burst benchmark's settings do, because all its clients share 127.0.0.1).
One address can be a whole family or an office behind NAT, hence a generous default.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from minzheng.core.ratelimit import RateLimit

BOOKING = RateLimit("qingming.booking", rate="60/60s", setting="QINGMING_BOOKING_RATE_LIMIT")


def message(wait: int) -> str:
    return _("预约尝试过于频繁，请 %(s)d 秒后再试。如需帮助请拨打咨询电话。") % {"s": wait}
