"""The DRF adapter of `core.ratelimit`: DRF's throttle classes, counted by `RateLimit`.

DRF still resolves the rate (DEFAULT_THROTTLE_RATES, a view's `throttle_scope`) and the
cache key (scope + account, or scope + address); the counting is the project's one atomic
cache counter instead of DRF's list of timestamps, which two concurrent requests can both
read before either writes. An anonymous client is identified by `core.context.client_ip`:
DRF's own `get_ident` takes X-Forwarded-For from any client (or counts NUM_PROXIES hops
from its right end), so a client could rotate the header to reset its limit. A signed-in
user is still counted by account, as DRF does.
"""

from __future__ import annotations

from rest_framework import throttling

from .context import client_ip
from .ratelimit import RateLimit


class ClientAddressMixin:
    def get_ident(self, request) -> str:
        return client_ip(request) or ""


class RateLimitThrottle(throttling.SimpleRateThrottle):
    """Replaces SimpleRateThrottle's counting; subclasses keep DRF's key and rate."""

    _retry_after = 0

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        decision = RateLimit("drf", rate=(self.num_requests, self.duration)).hit(key)
        self._retry_after = decision.retry_after
        return decision.allowed

    def wait(self) -> float | None:
        return self._retry_after or None


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle, RateLimitThrottle):
    pass


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle, RateLimitThrottle):
    pass


class ScopedRateThrottle(ClientAddressMixin, throttling.ScopedRateThrottle, RateLimitThrottle):
    """The project's default: only views that name a `throttle_scope` are limited."""
