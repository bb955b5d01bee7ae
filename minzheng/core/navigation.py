"""What the shells show: staff menu entries and home tiles, resident portal services.

Each app registers its own entries in its AppConfig.ready(), so core never imports a
module that stands on it, and the portal home lists the services that exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class StaffEntry:
    title: str  # may be a lazy translation: rendered in the user's language
    url_name: str
    permission: str  # shown to users who have it
    icon: str = "▦"
    # Count for the home page, narrowed to the user's scope: count(user) -> int, and what
    # it counts ("今日预约", "办理中"): a number without its label is not shown.
    count: Callable | None = None
    order: int = 100
    count_label: str = ""


@dataclass(frozen=True)
class PortalService:
    title: str  # may be lazy
    description: str
    url_name: str | None  # None: coming soon (shown, not linked)
    icon: str = "●"
    order: int = 100


STAFF: list[StaffEntry] = []
PORTAL: list[PortalService] = []


def add_staff_entry(entry: StaffEntry) -> None:
    if entry not in STAFF:
        STAFF.append(entry)
        STAFF.sort(key=lambda e: e.order)


def add_portal_service(service: PortalService) -> None:
    if service not in PORTAL:
        PORTAL.append(service)
        PORTAL.sort(key=lambda s: s.order)


def staff_entries_for(user) -> list[StaffEntry]:
    return [e for e in STAFF if user.has_perm(e.permission)]
