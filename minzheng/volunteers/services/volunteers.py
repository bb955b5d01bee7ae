"""Volunteers: registration by staff and by residents themselves, weekly availability and
its exceptions, certificates a volunteer holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.models import Division

from .. import rules
from ..models import (
    AvailabilityException,
    Certificate,
    PartyBranch,
    Volunteer,
    WeeklyAvailability,
)
from .common import _fail


@dataclass
class VolunteerInput:
    is_party_member: bool = False
    branch_id: int | None = None
    skills: tuple[str, ...] = ()
    home_division_code: str = ""
    lat: Decimal | None = None
    lon: Decimal | None = None


def volunteer_register(
    *, actor, person, data: VolunteerInput, joined_on: dt.date | None = None
) -> Volunteer:
    """Register a registry person as a volunteer (staff, or the resident themself)."""
    errors: dict[str, str] = {}
    if person is None or person.is_void:
        errors["person"] = _("请先关联有效的登记人员。")
    elif Volunteer.objects.filter(person=person).exists():
        errors["person"] = _("该人员已是志愿者。")
    unknown = [s for s in data.skills if s not in rules.SKILLS]
    if unknown:
        errors["skills"] = _("未知技能：%(s)s") % {"s": "、".join(unknown)}
    home = data.home_division_code or (person.residence_division_id if person else "")
    if not Division.objects.filter(code=home, level="community").exists():
        errors["home_division"] = _("请选择常住村居。")
    branch = None
    if data.branch_id:
        branch = PartyBranch.objects.filter(pk=data.branch_id).first()
        if branch is None:
            errors["branch"] = _("党支部不存在。")
        elif not data.is_party_member:
            errors["branch"] = _("只有党员才能选择党支部。")
    if (data.lat is None) != (data.lon is None):
        errors["lat"] = _("经纬度需同时填写。")
    _fail(errors)
    with transaction.atomic():
        volunteer = Volunteer.objects.create(
            person=person,
            is_party_member=data.is_party_member,
            branch=branch,
            skills=list(data.skills),
            home_division_id=home,
            lat=data.lat,
            lon=data.lon,
            joined_on=joined_on or timezone.localdate(),
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=volunteer,
            summary=f"志愿者注册 {person.name}",
        )
    return volunteer


def volunteer_self_register(
    *,
    user,
    skills: tuple[str, ...],
    weekly: list[tuple[int, dt.time, dt.time]],
    home_division_code: str = "",
) -> Volunteer:
    """A resident registers as a volunteer: the bound ID number links the registry person.
    A bound resident whom the registry does not know yet is registered there in the same
    transaction (`portal.services.resident_person_ensure`, living in
    `home_division_code`), so a bound account never meets a dead end."""
    from minzheng.portal.services import resident_person_ensure

    profile = getattr(user, "resident_profile", None)
    if profile is None or not profile.is_bound:
        raise ValidationError({"person": _("请先在“我的”中完成实名绑定。")})
    if (
        profile.person_id is None
        and not Division.objects.filter(code=home_division_code, level="community").exists()
    ):
        raise ValidationError({"home_division": _("请选择常住村居。")})
    with transaction.atomic():
        person = resident_person_ensure(user=user, residence_division_code=home_division_code)
        volunteer = volunteer_register(
            actor=user,
            person=person,
            data=VolunteerInput(skills=tuple(skills), home_division_code=home_division_code),
        )
        availability_set(actor=user, volunteer=volunteer, weekly=weekly)
    return volunteer


def availability_set(
    *, actor, volunteer: Volunteer, weekly: list[tuple[int, dt.time, dt.time]]
) -> None:
    errors = {}
    for weekday, start, end in weekly:
        if not 0 <= weekday <= 6:
            errors["weekly"] = _("星期取值应为 0–6。")
        elif end <= start:
            errors["weekly"] = _("结束时间必须晚于开始时间。")
    _fail(errors)
    with transaction.atomic():
        volunteer.weekly.all().delete()
        WeeklyAvailability.objects.bulk_create(
            WeeklyAvailability(volunteer=volunteer, weekday=w, start=s, end=e) for w, s, e in weekly
        )
        audit.record(
            actor=actor, action=audit.Action.UPDATE, target=volunteer, summary="更新可服务时间"
        )


def availability_exception_add(
    *,
    actor,
    volunteer: Volunteer,
    date: dt.date,
    available: bool,
    start: dt.time | None = None,
    end: dt.time | None = None,
) -> AvailabilityException:
    """A date that differs from the weekly pattern: away all day, or available in a window."""
    errors = {}
    if available and (start is None or end is None):
        errors["start"] = _("可服务时请填写开始和结束时间。")
    elif available and end <= start:
        errors["end"] = _("结束时间必须晚于开始时间。")
    _fail(errors)
    with transaction.atomic():
        exc = AvailabilityException.objects.create(
            volunteer=volunteer,
            date=date,
            available=available,
            start=start if available else None,
            end=end if available else None,
        )
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=volunteer,
            summary=f"可服务时间例外 {date:%Y-%m-%d}",
        )
    return exc


def certificate_add(
    *, actor, volunteer: Volunteer, name: str, expires_on: dt.date, number: str = ""
) -> Certificate:
    if not name.strip():
        raise ValidationError({"name": _("请填写证书名称。")})
    with transaction.atomic():
        cert = Certificate.objects.create(
            volunteer=volunteer, name=name.strip(), expires_on=expires_on, number=number
        )
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=volunteer, summary=f"添加证书 {name}"
        )
    return cert
