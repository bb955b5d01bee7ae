"""Every write of the Qingming module.

Capacity and limits: the booking transaction takes the ID's season and day counters and
the slot's places each with ONE conditional UPDATE (`... WHERE count < limit`), in a
fixed order (season quota, day quota, slot: the hot slot row is locked last and for the
shortest time), then inserts the reservation. A request that loses a race updates zero
rows and is refused; nothing can be oversold on PostgreSQL (row locks) or SQLite
(IMMEDIATE transactions: one writer at a time).

One module per concern: `seasons`, `bookings`, `gate`, `reconcile`, `proxy` (代客祭扫),
`memorials` (云祭扫); callers import from here: `qingming.services.reservation_book`.
"""

from .bookings import (
    VisitorInput,
    qr_payload,
    reservation_cancel,
    reservation_create,
    reservation_notify,
    reservations_mark_no_show,
)
from .common import (
    QR_SALT,
    BookingConflict,
    ScanRefused,
    Status,
)
from .gate import (
    ScanResult,
    checkin_count,
    checkin_scan,
)
from .memorials import (
    memorial_create,
    moderate,
    tribute_add,
)
from .proxy import (
    ProxySweepInput,
    proxy_sweep_next_moves,
    proxy_sweep_request,
    proxy_sweep_update,
)
from .reconcile import (
    LIVE_FIELDS,
    Difference,
    reconcile,
)
from .seasons import (
    is_walk_in_day,
    season_create,
    slots_generate,
)

__all__ = [
    "BookingConflict",
    "Difference",
    "LIVE_FIELDS",
    "ProxySweepInput",
    "QR_SALT",
    "ScanRefused",
    "ScanResult",
    "Status",
    "VisitorInput",
    "checkin_count",
    "checkin_scan",
    "is_walk_in_day",
    "memorial_create",
    "moderate",
    "proxy_sweep_next_moves",
    "proxy_sweep_request",
    "proxy_sweep_update",
    "qr_payload",
    "reconcile",
    "reservation_cancel",
    "reservation_create",
    "reservation_notify",
    "reservations_mark_no_show",
    "season_create",
    "slots_generate",
    "tribute_add",
]
