"""Booking attempts per client address: a fixed-window counter in Django's cache (Redis in
production, so every worker shares it; the local-memory cache of the embedded setup
counts per process).

settings.QINGMING_BOOKING_RATE_LIMIT = (attempts, seconds), default (60, 60); None turns
it off (the burst benchmark's settings do, because all its clients share 127.0.0.1).
One address can be a whole family or an office behind NAT, hence a generous default.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

DEFAULT_LIMIT = (60, 60)


def booking_attempt(ip: str | None) -> tuple[bool, int]:
    """Count one attempt from `ip`; (allowed, seconds to wait when not)."""
    limit = getattr(settings, "QINGMING_BOOKING_RATE_LIMIT", DEFAULT_LIMIT)
    if not limit or not ip:
        return True, 0
    attempts, window = limit
    now = time.time()
    key = f"qm:book:{ip}:{int(now // window)}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    if count > attempts:
        return False, max(1, int(window - now % window))
    return True, 0


def message(wait: int) -> str:
    return _("预约尝试过于频繁，请 %(s)d 秒后再试。如需帮助请拨打咨询电话。") % {"s": wait}
