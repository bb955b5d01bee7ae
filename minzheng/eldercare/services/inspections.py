"""Inspections of any civil-affairs institution: checklists, findings, rectifications and
follow-ups.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.core.services import attachment_add, upload_errors
from minzheng.core.validators import date_error, name_error, validate_event_date
from minzheng.registry.models import Organisation

from ..models import (
    ChecklistItem,
    Finding,
    FindingState,
    FollowUp,
    House,
    Inspection,
    InspectionType,
    Institution,
    PlaceKind,
)
from ..workflows import FINDING
from .common import PHOTO_TYPES, _date, _today


@dataclass
class FindingInput:
    item_id: int | None
    description: str
    deadline: dt.date | None
    photos: list = field(default_factory=list)


def place_kind_of(org: Organisation) -> str:
    if Institution.objects.filter(organisation=org).exists():
        return PlaceKind.ELDERCARE
    if House.objects.filter(organisation=org).exists():
        return PlaceKind.HOUSE
    return ""


def inspection_create(
    *,
    actor,
    place_id: int,
    inspection_type_code: str,
    inspected_on: dt.date | None,
    inspectors: str,
    summary: str = "",
    findings: list[FindingInput] = (),
    place_kind: str = "",
    on: dt.date | None = None,
) -> Inspection:
    """Record an inspection of any civil-affairs service institution (a registry
    organisation: elderly-care institution, happiness house, rescue station, children's
    welfare home …) with its findings; each finding names a checklist item of the
    inspection's type and a rectification deadline not in the past."""
    on = _today(on)
    require_perm(actor, "eldercare.add_inspection")
    errors: dict = {}
    place = Organisation.objects.filter(pk=place_id, is_void=False).first() if place_id else None
    if place is None or not code_in_scope(actor, place.division_id):
        errors["place"] = _("请选择被检查的机构。")
    kind = InspectionType.objects.filter(code=inspection_type_code).first()
    if kind is None:
        errors["inspection_type"] = _("请选择检查类型。")
    _date(errors, "inspected_on", inspected_on)
    if inspected_on and inspected_on > on:
        errors["inspected_on"] = _("检查日期不能晚于今天。")
    inspectors = " ".join((inspectors or "").split())
    if not inspectors:
        errors["inspectors"] = _("请填写检查人员。")
    elif name_error(inspectors):
        errors["inspectors"] = name_error(inspectors)
    if place is not None:
        place_kind = place_kind_of(place) or place_kind
        if place_kind not in PlaceKind.values:
            errors["place_kind"] = _("请选择被检查机构的类别。")
    items = {}
    if kind is not None:
        items = {
            i.pk: i for i in ChecklistItem.objects.filter(inspection_type=kind, is_active=True)
        }
    for n, f in enumerate(findings, start=1):
        prefix = _("第 %(n)d 条问题：") % {"n": n}
        if not f.item_id:
            errors[f"findings.{n}.item"] = prefix + _("请选择对应的检查项目。")
        elif f.item_id not in items:
            errors[f"findings.{n}.item"] = prefix + _("检查项目不属于该检查类型。")
        if not (f.description or "").strip():
            errors[f"findings.{n}.description"] = prefix + _("请填写存在的问题。")
        if f.deadline is None:
            errors[f"findings.{n}.deadline"] = prefix + _("请填写整改期限。")
        elif f.deadline < on:
            errors[f"findings.{n}.deadline"] = prefix + _("整改期限不能早于今天。")
        elif date_error(validate_event_date, f.deadline):
            errors[f"findings.{n}.deadline"] = prefix + date_error(validate_event_date, f.deadline)
        for upload in f.photos:
            for key, message in upload_errors(upload, field="photos", allowed=PHOTO_TYPES).items():
                errors[f"findings.{n}.{key}"] = prefix + message
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        inspection = Inspection.objects.create(
            place=place,
            place_kind=place_kind,
            division_id=place.division_id,
            inspection_type=kind,
            inspected_on=inspected_on,
            inspectors=inspectors,
            summary=(summary or "").strip(),
            created_by=actor,
        )
        for f in findings:
            finding = Finding.objects.create(
                inspection=inspection,
                item_id=f.item_id,
                description=f.description.strip(),
                deadline=f.deadline,
            )
            workflow.start(
                workflow=FINDING,
                obj=finding,
                name="open",
                actor=actor,
                reason=_("整改期限 %(d)s") % {"d": f"{f.deadline:%Y年%-m月%-d日}"},
            )
            for upload in f.photos:
                attachment_add(
                    actor=actor,
                    owner=finding,
                    upload=upload,
                    kind="finding_photo",
                    allowed=PHOTO_TYPES,
                )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=inspection,
            summary=f"{kind.name}检查 {place.name}：{len(findings)} 个问题",
        )
    return inspection


def followup_record(
    *,
    actor,
    finding: Finding,
    visited_on: dt.date | None,
    note: str,
    rectified: bool,
    photos=(),
    on: dt.date | None = None,
) -> FollowUp:
    """A follow-up visit; when it finds the problem fixed the finding is closed (销号)."""
    on = _today(on)
    require_perm(actor, "eldercare.add_followup")
    if not code_in_scope(actor, finding.inspection.division_id):
        raise PermissionDenied(_("该检查不在您的管辖范围内。"))
    errors: dict = {}
    _date(errors, "visited_on", visited_on)
    if visited_on and visited_on < finding.inspection.inspected_on:
        errors["visited_on"] = _("复查日期不能早于检查日期。")
    elif visited_on and visited_on > on:
        errors["visited_on"] = _("复查日期不能晚于今天。")
    if not (note or "").strip():
        errors["note"] = _("请填写复查情况。")
    if finding.state != FindingState.OPEN:
        errors["state"] = _("该问题已整改销号。")
    for upload in photos:
        errors |= upload_errors(upload, field="photos", allowed=PHOTO_TYPES)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        follow_up = FollowUp.objects.create(
            finding=finding,
            visited_on=visited_on,
            note=note.strip(),
            rectified=bool(rectified),
            recorded_by=actor,
        )
        for upload in photos:
            attachment_add(
                actor=actor,
                owner=finding,
                upload=upload,
                kind="followup_photo",
                allowed=PHOTO_TYPES,
            )
        if rectified:
            workflow.move(
                workflow=FINDING,
                obj=finding,
                name="close",
                actor=actor,
                reason=note.strip()[:200],
                extra_updates={"closed_on": visited_on},
            )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=follow_up,
            summary=f"复查 {finding}：{'已整改销号' if rectified else '仍在整改'}",
        )
    return follow_up
