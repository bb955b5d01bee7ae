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


@dataclass(frozen=True)
class PersonPanel:
    """A section of a registry person's page that another app fills (the person's
    assistance history, …): rows(user, person) -> list of (text, url) in the user's scope,
    shown to users with `permission`."""

    title: str
    permission: str
    rows: Callable
    order: int = 100


STAFF: list[StaffEntry] = []
PORTAL: list[PortalService] = []
PERSON_PANELS: list[PersonPanel] = []


def add_staff_entry(entry: StaffEntry) -> None:
    if entry not in STAFF:
        STAFF.append(entry)
        STAFF.sort(key=lambda e: e.order)


def add_portal_service(service: PortalService) -> None:
    if service not in PORTAL:
        PORTAL.append(service)
        PORTAL.sort(key=lambda s: s.order)


def add_person_panel(panel: PersonPanel) -> None:
    if panel not in PERSON_PANELS:
        PERSON_PANELS.append(panel)
        PERSON_PANELS.sort(key=lambda p: p.order)


def person_panels_for(user, person) -> list[tuple[PersonPanel, list]]:
    return [(p, p.rows(user, person)) for p in PERSON_PANELS if user.has_perm(p.permission)]


def staff_entries_for(user) -> list[StaffEntry]:
    return [e for e in STAFF if user.has_perm(e.permission)]
