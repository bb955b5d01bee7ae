"""The request being served, for the operation log (set by RequestContextMiddleware), and
the one function that says which address a request came from.

Services take the acting user explicitly; only the client address, which no service
should have to pass around, comes from here. Outside a request it is empty.
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    user_agent: str = ""


_EMPTY = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("minzheng_request", default=None)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def set_current(ctx: RequestContext):
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)


_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[_Network, ...]:
    # Keyed by the setting's value, so override_settings in tests takes effect.
    try:
        return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from exc


def _parse(value: str | None) -> _Address | None:
    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d; compare them as IPv4.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: _Address, networks: tuple[_Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request) -> str | None:
    """The address of the client that sent `request`: the only source of a client address
    for the operation log, every rate limit (SMS, Qingming booking, DRF throttles) and the
    staff sign-in lockout (django-axes, AXES_CLIENT_IP_CALLABLE).

    REMOTE_ADDR, unless it is one of settings.TRUSTED_PROXIES: only then is the proxy's
    X-Real-IP believed, or else the right-most X-Forwarded-For entry that is not itself a
    trusted proxy. Anyone can send these headers, so believing them from any other peer
    would let a client pick its address and step round every limit keyed by it.
    """
    remote_raw = request.META.get("REMOTE_ADDR") or None
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not networks:
        return remote_raw
    remote = _parse(remote_raw)
    if remote is None or not _trusted(remote, networks):
        return remote_raw
    real = _parse(request.META.get("HTTP_X_REAL_IP"))
    if real is not None and not _trusted(real, networks):
        return str(real)
    # Each proxy appends the peer it saw, so read from the right: the first hop that is
    # not a trusted proxy is the client. A garbled entry ends the walk, because whatever
    # lies to its left was written by someone we cannot vouch for.
    hop = remote
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _parse(entry)
        if address is None:
            break
        hop = address
        if not _trusted(address, networks):
            break
    return str(hop)
