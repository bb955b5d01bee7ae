"""What the charity services share: the refusals a well-formed request can meet (spending
beyond the balance, a refused payment callback).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class SpendingConflict(ValidationError):
    """The fund has not enough left: nothing was written (HTTP 409)."""


class PaymentRefused(ValidationError):
    """A payment callback with a wrong signature, a changed amount or a replay."""
