"""DRF throttles that identify an anonymous client by `core.context.client_ip`.

DRF's own `get_ident` takes X-Forwarded-For from any client (or counts NUM_PROXIES hops
from its right end), so a client could rotate the header to reset its limit. These
classes use the same trusted-proxy rule as the operation log and the other rate limits.
A signed-in user is still counted by account, as DRF does.
"""

from __future__ import annotations

from rest_framework import throttling

from .context import client_ip


class ClientAddressMixin:
    def get_ident(self, request) -> str:
        return client_ip(request) or ""


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(ClientAddressMixin, throttling.ScopedRateThrottle):
    """The project's default: only views that name a `throttle_scope` are limited."""
