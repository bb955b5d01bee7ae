"""What every Qingming service shares: the QR signing salt, the reservation status and
the refusals a well-formed request can meet (409).
"""

from __future__ import annotations

from ..models import (
    Reservation,
)

QR_SALT = "minzheng.qingming.qr"
Status = Reservation.Status


class BookingConflict(Exception):
    """A well-formed request that cannot be served now (409): full, limit reached, closed."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


class ScanRefused(BookingConflict):
    """A gate scan that is refused (409): wrong day or cemetery, double entry, cancelled."""
