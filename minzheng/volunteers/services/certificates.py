"""Service certificates (志愿服务证明) from the attendance that was recorded."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit

from ..models import (
    ServiceCertificate,
    Volunteer,
)
from .common import _fail


def certificate_issue(
    *,
    actor,
    volunteer: Volunteer,
    period_from: dt.date,
    period_to: dt.date,
    issuer: str,
    on: dt.date | None = None,
) -> ServiceCertificate:
    """志愿服务记录证明 for the service recorded in [period_from, period_to]."""
    from .. import selectors

    errors = {}
    if period_to < period_from:
        errors["period_to"] = _("截止日期不能早于起始日期。")
    if not issuer.strip():
        errors["issuer"] = _("请填写出具单位。")
    _fail(errors)
    records = selectors.service_records(
        volunteer=volunteer, period_from=period_from, period_to=period_to
    )
    if not records:
        raise ValidationError({"period_from": _("该期间没有服务记录。")})
    total = sum(r.service_minutes for r in records)
    content = "；".join(
        sorted(
            {f"{r.signup.shift.post.activity.title}（{r.signup.shift.post.role}）" for r in records}
        )
    )
    on = on or timezone.localdate()
    with transaction.atomic():
        seq = (
            ServiceCertificate.objects.select_for_update()
            .filter(number__startswith=f"NHZY{on:%Y}")
            .count()
            + 1
        )
        cert = ServiceCertificate.objects.create(
            number=f"NHZY{on:%Y}{seq:06d}",
            token=secrets.token_urlsafe(18),
            volunteer=volunteer,
            period_from=period_from,
            period_to=period_to,
            total_minutes=total,
            content=content[:2000],
            issuer=issuer.strip(),
            issued_on=on,
            issued_by=actor if getattr(actor, "kind", "") == "staff" else None,
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=cert,
            summary=f"志愿服务记录证明 {cert.number}",
        )
    return cert
