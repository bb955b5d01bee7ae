"""What the elderly-care services share: dates, account masking, the institution check."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.core.validators import date_error, validate_event_date

from .. import selectors
from ..models import (
    Institution,
)

PHOTO_TYPES = (".jpg", ".jpeg", ".png")


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def _check_institution(actor, institution: Institution, perm: str) -> None:
    """The actor may act on this institution: permission, scope, and own institution."""
    require_perm(actor, perm)
    own = selectors.institution_of(actor)
    if not code_in_scope(actor, institution.division_id) or (
        own is not None and own.pk != institution.pk
    ):
        raise PermissionDenied(_("该养老机构不在您的管辖范围内。"))


def _date(errors: dict, key: str, value, *, required: bool = True) -> None:
    if value is None:
        if required:
            errors[key] = _("请填写日期。")
        return
    problem = date_error(validate_event_date, value)
    if problem:
        errors[key] = problem
