"""Data scope: the one function that narrows any query to the user's division.

A user sees the records whose division code starts with the prefix of their own division
(桂城街道 440605011 → every code 440605011xxx). Codes are fixed-width digits, so the
prefix is a range on an indexed column, which every database answers from its index.
Models declare the field that places them in a division as `scope_field`.
"""

from __future__ import annotations

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .district import district_prefix
from .models import LEVEL_DIGITS

CODE_LENGTH = 12


def division_prefix(code: str, level: str) -> str:
    return code[: LEVEL_DIGITS[level]]


def division_prefix_of(code: str) -> str:
    """The prefix of a full 12-digit code (440605011000 → 440605011); a shorter value is
    taken as a prefix already."""
    if len(code) != CODE_LENGTH:
        return code
    for digits in sorted(LEVEL_DIGITS.values()):
        if code[digits:].strip("0") == "":
            return code[:digits]
    return code


def user_prefix(user) -> str | None:
    """The code prefix the user may see: "" for everything, None for nothing."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return ""
    division = getattr(user, "division", None)
    if division is None or getattr(user, "kind", "staff") != "staff":
        return None
    return division_prefix(division.code, division.level)


def prefix_range(prefix: str) -> tuple[str, str]:
    pad = CODE_LENGTH - len(prefix)
    return prefix + "0" * pad, prefix + "9" * pad


def prefix_q(field: str, prefix: str) -> Q:
    """Rows whose division code in `field` starts with `prefix`, as an indexable range.
    (A foreign key supports gte/lte but not range.)"""
    lo, hi = prefix_range(prefix)
    return Q(**{f"{field}__gte": lo, f"{field}__lte": hi})


def scope_queryset(queryset: QuerySet, user, field: str | None = None) -> QuerySet:
    """Narrow `queryset` to what `user` may see. Every list, detail, export, API and admin
    page uses it. A model without a `scope_field` holds district-wide data (programmes,
    roles, the operation log): only users whose scope is the whole district see it."""
    field = field or getattr(queryset.model, "scope_field", None)
    prefix = user_prefix(user)
    if prefix is None:
        return queryset.none()
    if prefix == "":
        return queryset
    if field is None:
        return queryset.none() if prefix != district_prefix() else queryset
    return queryset.filter(prefix_q(field, prefix))


def code_in_scope(user, code: str | None) -> bool:
    prefix = user_prefix(user)
    if prefix is None or code is None:
        return prefix == ""
    return code.startswith(prefix)


def get_in_scope_or_404(queryset: QuerySet, user, **lookup) -> Model:
    """Fetch one record the user may see; out of scope is the same 404 as not existing."""
    try:
        return scope_queryset(queryset, user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def object_in_scope(user, obj: Model) -> bool:
    """Whether one loaded record is within the user's scope (used for attachments)."""
    field = type(obj).scope_field
    if "__" in field:  # the division sits on a related row: ask the database
        return scope_queryset(type(obj)._default_manager.filter(pk=obj.pk), user).exists()
    return code_in_scope(user, getattr(obj, f"{field}_id"))
