"""Cases at the station: intake (with photo and voice), updates, attachments, state changes
by staff and the daily record of a stay.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.models import Division
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.core.services import attachment_add, upload_errors
from minzheng.core.validators import (
    date_error,
    name_error,
    validate_event_date,
)

from .. import matching_tables, rules
from ..models import (
    Case,
    CaseState,
    DailyRecord,
    Notice,
    Sex,
    Station,
)
from ..workflows import CASE
from .matches import _schedule_case_match
from .moves import _transition
from .notices import _notice_create


@dataclass
class IntakeInput:
    found_date: dt.date | None
    found_place: str
    brought_by: str
    sex: str
    age_min: int | None
    age_max: int | None
    found_division_code: str = ""
    told_name: str = ""
    told_place: str = ""
    dialect: str = ""
    height_cm: int | None = None
    build: str = ""
    marks: str = ""
    clothing: str = ""
    health_state: str = ""
    mental_state: str = ""
    belongings: str = ""
    fingerprint_done: bool = False
    fingerprint_ref: str = ""
    dna_done: bool = False
    dna_ref: str = ""


def _intake_errors(data: IntakeInput, *, today: dt.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.found_date:
        errors["found_date"] = _("请填写发现日期。")
    elif data.found_date > today:
        errors["found_date"] = _("发现日期不能晚于今天。")
    elif date_error(validate_event_date, data.found_date):
        errors["found_date"] = date_error(validate_event_date, data.found_date)
    if name_error(data.told_name):
        errors["told_name"] = name_error(data.told_name)
    if not (data.found_place or "").strip():
        errors["found_place"] = _("请填写发现地点。")
    if (
        data.found_division_code
        and not Division.objects.filter(code=data.found_division_code).exists()
    ):
        errors["found_division"] = _("区划代码不存在。")
    if data.brought_by not in {c for c, _l in Case._meta.get_field("brought_by").choices}:
        errors["brought_by"] = _("请选择送站方式。")
    if data.sex not in Sex.values:
        errors["sex"] = _("请选择性别。")
    if data.age_min is None or data.age_max is None:
        errors["age_max"] = _("请填写估计年龄范围。")
    elif not (0 <= data.age_min <= rules.AGE_LIMIT and 0 <= data.age_max <= rules.AGE_LIMIT):
        errors["age_max"] = _("年龄须在 0 至 %(n)d 岁之间。") % {"n": rules.AGE_LIMIT}
    elif data.age_min > data.age_max:
        errors["age_max"] = _("年龄上限不能小于下限。")
    if data.height_cm is not None and not 40 <= data.height_cm <= 230:
        errors["height_cm"] = _("身高须在 40 至 230 厘米之间。")
    if data.dialect and data.dialect not in matching_tables.DIALECTS:
        errors["dialect"] = _("请从列表中选择口音/语言。")
    for done, ref in (("fingerprint_done", "fingerprint_ref"), ("dna_done", "dna_ref")):
        if getattr(data, done) and not (getattr(data, ref) or "").strip():
            errors[ref] = _("已采集的，请填写公安机关给出的编号。")
    return errors


CASE_FIELDS = (
    "found_date",
    "found_place",
    "brought_by",
    "told_name",
    "told_place",
    "sex",
    "age_min",
    "age_max",
    "dialect",
    "height_cm",
    "build",
    "marks",
    "clothing",
    "health_state",
    "mental_state",
    "belongings",
    "fingerprint_done",
    "fingerprint_ref",
    "dna_done",
    "dna_ref",
)


def case_intake(*, actor, station: Station, data: IntakeInput, photo=None, audio=None) -> Case:
    """Take a found person in: the case, its first state row, its public notice (published at
    once, so it is on the portal well within 24 hours), photo and recorded speech; matching
    runs after commit."""
    require_perm(actor, "rescue.add_case")
    if not code_in_scope(actor, station.division_id):
        raise PermissionDenied(_("不能为其他救助站登记。"))
    errors = _intake_errors(data, today=timezone.localdate())
    errors |= upload_errors(
        photo, field="photo", allowed=rules.PHOTO_TYPES, max_bytes=rules.PHOTO_MAX_BYTES
    )
    errors |= upload_errors(
        audio, field="audio", allowed=rules.AUDIO_TYPES, max_bytes=rules.AUDIO_MAX_BYTES
    )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        case = Case(
            station=station,
            division_id=station.division_id,
            number=f"tmp-{secrets.token_hex(6)}",
            found_division_id=data.found_division_code or None,
            intake_at=now,
            created_by=actor,
            state=CaseState.CHECKED_IN,
        )
        for name in CASE_FIELDS:
            value = getattr(data, name)
            setattr(case, name, value.strip() if isinstance(value, str) else value)
        case.save()
        case.number = f"JZZ{case.found_date:%Y}{case.pk:06d}"
        case.save(update_fields=["number"])
        workflow.start(workflow=CASE, obj=case, name="intake", actor=actor, reason=_("入站登记"))
        photo_token = ""
        if photo is not None:
            photo_token = attachment_add(
                actor=actor,
                owner=case,
                upload=photo,
                kind="photo",
                allowed=rules.PHOTO_TYPES,
                max_bytes=rules.PHOTO_MAX_BYTES,
            ).token
        if audio is not None:
            attachment_add(
                actor=actor,
                owner=case,
                upload=audio,
                kind="audio",
                allowed=rules.AUDIO_TYPES,
                max_bytes=rules.AUDIO_MAX_BYTES,
            )
        _notice_create(case=case, photo_token=photo_token, now=now)
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=case, summary=f"救助登记 {case.number}"
        )
    _schedule_case_match(case.pk)
    return case


def case_update(*, actor, case: Case, data: IntakeInput) -> Case:
    """Correct the intake facts (the date found may not move into the future); matching re-runs."""
    require_perm(actor, "rescue.change_case")
    if case.is_closed:
        raise ValidationError({"state": _("已结案的个案不能修改。")})
    errors = _intake_errors(data, today=timezone.localdate())
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for name in CASE_FIELDS:
            value = getattr(data, name)
            setattr(case, name, value.strip() if isinstance(value, str) else value)
        case.found_division_id = data.found_division_code or None
        case.save()
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=case,
            summary=f"修改救助登记 {case.number}",
        )
    _schedule_case_match(case.pk)
    return case


def case_attach(*, actor, case: Case, upload, kind: str):
    """Add a photo ("photo") or recorded speech ("audio") to a case."""
    require_perm(actor, "rescue.change_case")
    allowed, limit = (
        (rules.PHOTO_TYPES, rules.PHOTO_MAX_BYTES)
        if kind == "photo"
        else (rules.AUDIO_TYPES, rules.AUDIO_MAX_BYTES)
    )
    errors = upload_errors(upload, field="file", allowed=allowed, max_bytes=limit)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        attachment = attachment_add(
            actor=actor, owner=case, upload=upload, kind=kind, allowed=allowed, max_bytes=limit
        )
        if kind == "photo" and hasattr(case, "notice"):
            Notice.objects.filter(pk=case.notice.pk).update(
                photo_token=attachment.token, updated_at=timezone.now()
            )
    return attachment


def case_transition(*, actor, case: Case, to_state: str, reason: str) -> Case:
    """Move a case by a declared move (workflows.CASE, through core.workflow), with a log row."""
    require_perm(actor, "rescue.change_case")
    reason = (reason or "").strip()
    CASE.find(case.state, to=to_state)  # refuses an undeclared move first
    if not reason:
        raise ValidationError({"reason": _("请填写原因。")})
    with transaction.atomic():
        _transition(case=case, to_state=to_state, reason=reason, actor=actor)
    return case


def daily_record_add(*, actor, case: Case, day: dt.date | None, note: str) -> DailyRecord:
    require_perm(actor, "rescue.change_case")
    errors = {}
    if not day:
        errors["day"] = _("请填写日期。")
    elif day > timezone.localdate():
        errors["day"] = _("日期不能晚于今天。")
    elif date_error(validate_event_date, day):
        errors["day"] = date_error(validate_event_date, day)
    if not (note or "").strip():
        errors["note"] = _("请填写记录内容。")
    if errors:
        raise ValidationError(errors)
    return DailyRecord.objects.create(case=case, day=day, note=note.strip(), actor=actor)
