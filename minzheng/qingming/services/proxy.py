"""代客祭扫 (proxy sweeps): a family's request, its assignment to staff, the photos sent back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.models import User
from minzheng.core.permissions import require_perm
from minzheng.core.scope import object_in_scope
from minzheng.core.sms import sms_queue
from minzheng.core.validators import as_id, date_error, name_error, validate_event_date
from minzheng.registry import validators

from .. import params as qparams
from .. import rules, workflows
from ..models import (
    Cemetery,
    ProxySweep,
)


@dataclass(frozen=True)
class ProxySweepInput:
    cemetery_id: int
    contact_name: str
    deceased_name: str
    grave_location: str
    wish_date: dt.date | None
    services: str = "清洁墓碑、敬献鲜花"


def proxy_sweep_request(
    *, actor, data: ProxySweepInput, today: dt.date | None = None
) -> ProxySweep:
    """A resident asks staff to sweep a grave for them. The fee is decided by rule
    (rules.proxy_sweep_fee) from the resident's bound identity and stored with its basis."""
    from minzheng.registry.models import PersonTag
    from minzheng.registry.rules import age_on

    if getattr(actor, "kind", "") != User.Kind.RESIDENT:
        raise PermissionDenied(_("代客祭扫须由群众本人账号申请。"))
    today = today or timezone.localdate()
    errors = {}
    cemetery = (
        Cemetery.objects.filter(pk=as_id(data.cemetery_id), is_active=True).first()
        if as_id(data.cemetery_id)
        else None
    )
    if cemetery is None:
        errors["cemetery"] = _("请选择墓园。")
    for field, label in (
        ("contact_name", _("联系人")),
        ("deceased_name", _("逝者姓名")),
        ("grave_location", _("墓位")),
    ):
        value = " ".join((getattr(data, field) or "").split())
        if not value or len(value) > 80:
            errors[field] = _("请填写%(label)s。") % {"label": label}
        elif field != "grave_location" and name_error(value):
            errors[field] = name_error(value)
    if data.wish_date is None or data.wish_date < today + dt.timedelta(days=1):
        errors["wish_date"] = _("希望日期须从明天起。")
    elif date_error(validate_event_date, data.wish_date):
        errors["wish_date"] = date_error(validate_event_date, data.wish_date)
    if errors:
        raise ValidationError(errors)
    profile = actor.resident_profile
    person = profile.person
    age = age_on(person.birth_date, today) if person else None
    if age is None and profile.is_bound:
        age = age_on(validators.parse_id_number(profile.id_number).birth_date, today)
    tags = (
        set(PersonTag.objects.filter(person=person).values_list("tag", flat=True))
        if person
        else set()
    )
    standard = qparams.decimal_value(
        "qingming_proxy_fee", on=today, division_code=cemetery.division_id
    )
    free_age = int(
        qparams.value("qingming_proxy_free_age", on=today, division_code=cemetery.division_id)
    )
    decision = rules.proxy_sweep_fee(standard_fee=standard, free_age=free_age, age=age, tags=tags)
    with transaction.atomic():
        sweep = ProxySweep.objects.create(
            cemetery=cemetery,
            requested_by=actor,
            contact_name=data.contact_name.strip(),
            phone=profile.phone,
            phone_masked=profile.phone_masked,
            deceased_name=data.deceased_name.strip(),
            grave_location=data.grave_location.strip(),
            wish_date=data.wish_date,
            services=data.services[:120],
            fee=decision.fee,
            fee_rule={
                "reason": decision.reason,
                "standard_fee": str(standard),
                "free_age": free_age,
                "age": age,
                "tags": sorted(tags),
            },
        )
        workflow.start(
            workflow=workflows.PROXY_SWEEP,
            obj=sweep,
            name="request",
            actor=actor,
            reason=decision.reason,
        )
    return sweep


def proxy_sweep_next_moves(sweep: ProxySweep) -> list:
    """The declared moves from the sweep's status (what a staff page may offer)."""
    return workflows.PROXY_SWEEP.allowed(sweep.status)


def proxy_sweep_update(
    *, actor, sweep: ProxySweep, to: str, note: str = "", paid: bool | None = None, photo=None
) -> ProxySweep:
    """Staff move a request along (受理 / 不予受理 / 完成). Completing needs a photo, sent
    back to the family through the attachment service; paid requests must be paid first."""
    require_perm(actor, "qingming.change_proxysweep")
    if not object_in_scope(actor, sweep):
        raise PermissionDenied(_("您的角色没有此项操作权限。"))
    if not workflows.PROXY_SWEEP.can(sweep.status, to):
        raise ValidationError({"status": _("当前状态不能进行此操作。")})
    if to == ProxySweep.Status.REJECTED and not note.strip():
        raise ValidationError({"note": _("不予受理须说明原因。")})
    is_paid = sweep.is_paid if paid is None else paid
    if to == ProxySweep.Status.DONE:
        if photo is None:
            raise ValidationError({"photo": _("完成时须上传祭扫照片，回传给家属。")})
        if sweep.fee > 0 and not is_paid:
            raise ValidationError({"paid": _("该申请须缴费，请先确认已缴费。")})
        if timezone.localdate() < sweep.wish_date:
            raise ValidationError(
                {
                    "status": _("家属希望的祭扫日期是 %(d)s，祭扫完成后才能登记完成。")
                    % {"d": sweep.wish_date.isoformat()}
                }
            )
    from minzheng.core.services import attachment_add

    with transaction.atomic():
        if photo is not None:
            attachment_add(
                actor=actor,
                owner=sweep,
                upload=photo,
                kind="sweep_photo",
                allowed=(".jpg", ".jpeg", ".png"),
            )
        updates = {"is_paid": is_paid, "staff_note": note.strip()[:200]}
        if to == ProxySweep.Status.DONE:
            updates["done_at"] = timezone.now()
        workflow.move(
            workflow=workflows.PROXY_SWEEP,
            obj=sweep,
            to=to,
            actor=actor,
            reason=updates["staff_note"],
            extra_updates=updates,
        )
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=sweep,
            summary=f"代客祭扫 → {sweep.get_status_display()}",
        )
        phone, text = (
            sweep.phone,
            _("【南海民政】您申请的代客祭扫（%(name)s）状态：%(status)s。")
            % {"name": sweep.deceased_name, "status": sweep.get_status_display()},
        )
        sms_queue(phone=phone, text=text, source="qingming.sweep")
    return sweep
