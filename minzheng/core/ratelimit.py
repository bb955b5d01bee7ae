"""Rate limits: the one mechanism for "at most N attempts per window" on anything a client
can repeat (Qingming bookings, SMS codes per address, failed ID bindings, DRF throttles).

    BOOKING = RateLimit("qingming.booking", rate="60/60s")
    decision = BOOKING.hit(client_ip(request))     # counts one attempt
    if not decision.allowed:
        ... answer 429 / show "retry in decision.retry_after seconds"

One atomic counter per (limit, key, window) in Django's cache: `cache.add` creates it with
the window as its time to live, `cache.incr` counts (both atomic on the local-memory cache
and on Redis, so concurrent requests cannot both take the last attempt). Windows are fixed
and aligned to the epoch, so `retry_after` is known without a second key. Production uses
Redis, shared by every worker; the local-memory cache of the embedded setup counts per
process.

Keys are an account id, a phone or an ID number, or `core.context.client_ip(request)`;
they are stored only as a keyed hash, so the cache never holds a phone or an ID number.
An empty key (no address outside a request) is never limited.

Rates are "N/<window>" with the window in seconds, minutes, hours or days ("5/60s",
"20/1h", "5/1d", "60/min"), an (N, seconds) pair, or None for no limit. The rate given in
code is the default; `settings.RATE_LIMITS = {name: rate}` overrides it by name.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

Rate = str | tuple[int, int] | None

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATE_RE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*")
# The clock, a module attribute so that tests can move it.
_now = time.time


def parse_rate(rate: Rate) -> tuple[int, int] | None:
    """Parse a rate: "5/60s" → (5, 60); (5, 60) → (5, 60); None → None (no limit)."""
    if rate is None:
        return None
    if isinstance(rate, tuple | list):
        count, seconds = (int(v) for v in rate)
    else:
        match = _RATE_RE.fullmatch(rate.lower())
        if not match or match.group(3) not in _UNITS:
            raise ValueError(f"rate {rate!r}: expected N/<number><s|m|min|h|d>")
        count = int(match.group(1))
        seconds = int(match.group(2) or 1) * _UNITS[match.group(3)]
    if count < 0 or seconds <= 0:
        raise ValueError(f"rate {rate!r}: count must be >= 0 and the window > 0")
    return count, seconds


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # whole seconds until the window ends; 0 when allowed
    count: int = 0  # attempts counted in this window, this one included


_ALLOWED = Decision(True)


@dataclass(frozen=True)
class RateLimit:
    name: str
    rate: Rate = None
    # A legacy setting that overrides `rate` when present (QINGMING_BOOKING_RATE_LIMIT).
    setting: str | None = None

    def limit(self) -> tuple[int, int] | None:
        """(attempts, window seconds) in force now, or None when the limit is off."""
        overrides = getattr(settings, "RATE_LIMITS", None) or {}
        if self.name in overrides:
            return parse_rate(overrides[self.name])
        if self.setting and hasattr(settings, self.setting):
            return parse_rate(getattr(settings, self.setting) or None)
        return parse_rate(self.rate)

    def _key(self, key: object, window: int, now: float) -> str:
        digest = salted_hmac("minzheng.core.ratelimit", f"{self.name}:{key}").hexdigest()[:32]
        return f"rl:{self.name}:{digest}:{int(now // window)}"

    def hit(self, key: object) -> Decision:
        """Count one attempt for `key` and say whether it is within the limit. A refused
        attempt is counted too, so hammering does not shorten the wait."""
        limit = self.limit()
        if limit is None or key in (None, ""):
            return _ALLOWED
        attempts, window = limit
        now = _now()
        cache_key = self._key(key, window, now)
        # +1 s: the counter must outlive its window, or the last second could start at 0.
        cache.add(cache_key, 0, timeout=window + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # evicted or expired between add and incr: this is the first
            cache.add(cache_key, 0, timeout=window + 1)
            count = cache.incr(cache_key)
        return self._decide(count, attempts, window, now)

    def check(self, key: object) -> Decision:
        """Whether one more attempt would be refused, without counting it (for limits on
        failures: check before the work, `hit` only when it failed)."""
        limit = self.limit()
        if limit is None or key in (None, ""):
            return _ALLOWED
        attempts, window = limit
        now = _now()
        count = cache.get(self._key(key, window, now)) or 0
        return self._decide(count + 1, attempts, window, now)

    def reset(self, key: object) -> None:
        """Forget the current window's attempts of `key`."""
        limit = self.limit()
        if limit is not None and key not in (None, ""):
            cache.delete(self._key(key, limit[1], _now()))

    @staticmethod
    def _decide(count: int, attempts: int, window: int, now: float) -> Decision:
        if count <= attempts:
            return Decision(True, 0, count)
        return Decision(False, max(1, math.ceil(window - now % window)), count)
