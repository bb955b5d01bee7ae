"""Residents of institutions: admission, assessment, absences and discharge; one residence at a
time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.registry.models import Person

from ..models import (
    Absence,
    Assessment,
    Institution,
    Residency,
)
from .common import _check_institution, _date


def assessment_record(
    *,
    actor,
    person: Person,
    level: int,
    assessed_on: dt.date,
    body: str = "",
    division_code: str | None = None,
) -> Assessment:
    """One ability assessment (GB/T 42195, level 0–4)."""
    require_perm(actor, "eldercare.add_assessment")
    errors: dict = {}
    if not isinstance(level, int) or not 0 <= level <= 4:
        errors["level"] = _("能力等级须为 0（能力完好）至 4（完全失能）。")
    _date(errors, "assessed_on", assessed_on)
    division_code = division_code or person.residence_division_id
    if not code_in_scope(actor, division_code):
        errors["person"] = _("该老人不在您的管辖范围内。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            person=person,
            division_id=division_code,
            level=level,
            assessed_on=assessed_on,
            body=body.strip()[:100],
            recorded_by=actor,
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=assessment,
            summary=f"能力评估 {person.name} {level} 级",
        )
    return assessment


@dataclass
class AdmissionInput:
    institution_id: int
    person_id: int
    admitted_on: dt.date | None
    level: int | None
    assessed_on: dt.date | None
    bed_type: str = Residency.BedType.GENERAL
    assessment_body: str = ""


def _living_elsewhere(person_id: int, admitted_on: dt.date) -> Residency | None:
    """A stay of the elder that is open or that covers the admission day."""
    return (
        Residency.objects.filter(person_id=person_id)
        .filter(Q(discharged_on__isnull=True) | Q(discharged_on__gt=admitted_on))
        .filter(admitted_on__lte=admitted_on)
        .select_related("institution")
        .first()
        or Residency.objects.filter(person_id=person_id, admitted_on__gt=admitted_on)
        .select_related("institution")
        .first()
    )


def admission_create(*, actor, data: AdmissionInput) -> Residency:
    """Admit an elder (a registry person) with their ability assessment.

    Refused: an elder living elsewhere (checked here and backed by the partial unique index
    on open stays, so two institutions admitting the same elder at once cannot both
    succeed), a full institution (the institution row is locked while its beds are
    counted), a date outside the sane range or after the elder's death."""
    institution = Institution.objects.filter(pk=data.institution_id).first()
    if institution is None:
        raise ValidationError({"institution": _("请选择养老机构。")})
    _check_institution(actor, institution, "eldercare.add_residency")
    errors: dict = {}
    person = Person.objects.filter(pk=data.person_id, is_void=False).first()
    if person is None:
        errors["person"] = _("请选择已登记的老人。")
    _date(errors, "admitted_on", data.admitted_on)
    if data.level is None or not isinstance(data.level, int) or not 0 <= data.level <= 4:
        errors["level"] = _("请填写入住时的能力评估等级（0 能力完好至 4 完全失能）。")
    _date(errors, "assessed_on", data.assessed_on)
    if data.bed_type not in Residency.BedType.values:
        errors["bed_type"] = _("请选择床位类型。")
    if not errors and person.deceased_date and person.deceased_date <= data.admitted_on:
        errors["person"] = _("该老人已登记死亡，不能办理入住。")
    if not errors:
        other = _living_elsewhere(person.pk, data.admitted_on)
        if other is not None:
            errors["person"] = _(
                "该老人 %(since)s 起在“%(inst)s”入住，尚未退住，不能同时入住两家机构。"
            ) % {"since": f"{other.admitted_on:%Y年%-m月%-d日}", "inst": other.institution.name}
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            locked = Institution.objects.select_for_update().get(pk=institution.pk)
            open_stays = locked.residencies.filter(discharged_on__isnull=True)
            if open_stays.count() >= locked.beds_total:
                raise ValidationError(
                    {
                        "institution": _("%(inst)s 床位已满（%(b)d 张），不能再办理入住。")
                        % {"inst": locked.name, "b": locked.beds_total}
                    }
                )
            if (
                data.bed_type == Residency.BedType.NURSING
                and open_stays.filter(bed_type=Residency.BedType.NURSING).count()
                >= locked.beds_nursing
            ):
                raise ValidationError(
                    {"bed_type": _("护理型床位已满（%(b)d 张）。") % {"b": locked.beds_nursing}}
                )
            residency = Residency.objects.create(
                institution=locked,
                person=person,
                bed_type=data.bed_type,
                admitted_on=data.admitted_on,
                created_by=actor,
            )
            Assessment.objects.create(
                person=person,
                division_id=locked.division_id,
                level=data.level,
                assessed_on=data.assessed_on,
                body=(data.assessment_body or locked.name).strip()[:100],
                recorded_by=actor,
            )
            audit.record(
                actor=actor,
                action=audit.Action.CREATE,
                target=residency,
                summary=f"{locked.name} 入住 {person.name}",
            )
    except IntegrityError:
        raise ValidationError(
            {"person": _("该老人已在其他机构入住，尚未退住，不能同时入住两家机构。")}
        ) from None
    return residency


def discharge_record(
    *, actor, residency: Residency, discharged_on: dt.date | None, reason: str
) -> Residency:
    """Discharge (退住). The discharge day is not a resident day; open absences end then."""
    _check_institution(actor, residency.institution, "eldercare.change_residency")
    errors: dict = {}
    _date(errors, "discharged_on", discharged_on)
    if reason not in Residency.DischargeReason.values:
        errors["reason"] = _("请选择退住原因。")
    if residency.discharged_on is not None:
        errors["discharged_on"] = _("该老人已于 %(d)s 退住。") % {
            "d": f"{residency.discharged_on:%Y年%-m月%-d日}"
        }
    elif discharged_on is not None and discharged_on < residency.admitted_on:
        errors["discharged_on"] = _("退住日期不能早于入住日期（%(d)s）。") % {
            "d": f"{residency.admitted_on:%Y年%-m月%-d日}"
        }
    elif discharged_on is not None and discharged_on > timezone.localdate():
        errors["discharged_on"] = _("退住日期不能晚于今天。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        updated = Residency.objects.filter(pk=residency.pk, discharged_on__isnull=True).update(
            discharged_on=discharged_on, discharge_reason=reason
        )
        if updated != 1:
            raise ValidationError({"discharged_on": _("该老人刚被他人办理退住，请刷新。")})
        residency.discharged_on, residency.discharge_reason = discharged_on, reason
        for absence in residency.absences.filter(Q(end__isnull=True) | Q(end__gt=discharged_on)):
            absence.end = max(discharged_on, absence.start + dt.timedelta(days=1))
            absence.save(update_fields=["end"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=residency,
            summary=f"{residency.institution.name} 退住 {residency.person.name}",
        )
    return residency


def absence_record(
    *,
    actor,
    residency: Residency,
    kind: str,
    start: dt.date | None,
    end: dt.date | None = None,
    note: str = "",
) -> Absence:
    """A stretch away (hospital, home visit); `end` is the day of return (present again)."""
    _check_institution(actor, residency.institution, "eldercare.add_absence")
    errors: dict = {}
    if kind not in Absence.Kind.values:
        errors["kind"] = _("请选择离院类型。")
    _date(errors, "start", start)
    _date(errors, "end", end, required=False)
    if not errors:
        if start < residency.admitted_on or (
            residency.discharged_on and start >= residency.discharged_on
        ):
            errors["start"] = _("离院日期须在入住期间。")
        elif end is not None and end <= start:
            errors["end"] = _("返院日期须晚于离院日期。")
        elif (
            residency.absences.filter(Q(end__isnull=True) | Q(end__gt=start))
            .filter(start__lt=end if end else dt.date.max)
            .exists()
        ):
            errors["start"] = _("与已登记的离院记录重叠。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        absence = Absence.objects.create(
            residency=residency, kind=kind, start=start, end=end, note=note.strip()[:200]
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=absence,
            summary=f"{residency.person.name} 离院 {start}",
        )
    return absence


def absence_end(*, actor, absence: Absence, end: dt.date | None) -> Absence:
    _check_institution(actor, absence.residency.institution, "eldercare.add_absence")
    errors: dict = {}
    _date(errors, "end", end)
    if not errors and end <= absence.start:
        errors["end"] = _("返院日期须晚于离院日期。")
    if not errors and absence.end is not None:
        errors["end"] = _("该离院记录已登记返院。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        absence.end = end
        absence.save(update_fields=["end"])
        audit.record(actor=actor, action=audit.Action.UPDATE, target=absence, summary=f"返院 {end}")
    return absence
