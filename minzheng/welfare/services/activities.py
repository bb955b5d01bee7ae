"""Care activities, with the hours of the volunteers who took part recorded through the
volunteers app.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm
from minzheng.core.scope import scope_queryset
from minzheng.core.services import attachment_add, upload_errors
from minzheng.registry.models import Person

from ..models import (
    ActivityBeneficiary,
    ActivityVolunteer,
    CareActivity,
)
from .common import PHOTO_MAX_BYTES, PHOTO_TYPES, _date_check, _division_check, _fail


def _volunteers_in_scope(actor, ids: list[int]):
    from minzheng.volunteers.selectors import volunteer_list

    wanted = sorted(set(ids))
    found = list(volunteer_list(user=actor).filter(pk__in=wanted)) if wanted else []
    return found, len(found) == len(wanted)


def _record_volunteer_hours(
    *, actor, title, organiser, division_code, place, starts_at, ends_at, volunteers
):
    from minzheng.volunteers.services import outside_service_record

    return outside_service_record(
        actor=actor,
        title=title,
        organiser=organiser,
        division_code=division_code,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        volunteer_ids=[v.pk for v in volunteers],
    )


# ---------------------------------------------------------------- care activities


@dataclass
class ActivityInput:
    kind: str
    title: str
    organiser: str
    place: str
    division_code: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    staff_ids: list[int] = field(default_factory=list)
    volunteer_ids: list[int] = field(default_factory=list)
    beneficiary_ids: list[int] = field(default_factory=list)
    beneficiary_count: int = 0
    report: str = ""


def activity_create(*, actor, data: ActivityInput, photos=()) -> CareActivity:
    """Record a care activity that took place, with the staff, the volunteers (their hours
    are recorded in the volunteers app), the beneficiaries (registry persons, or a count
    where names are not recorded), photos and a short report."""
    from minzheng.core.models import User

    require_perm(actor, "welfare.add_careactivity")
    errors: dict = {}
    if data.kind not in CareActivity.Kind.values:
        errors["kind"] = _("请选择活动类型。")
    for name, label in (
        ("title", _("活动名称")),
        ("organiser", _("组织单位")),
        ("place", _("地点")),
    ):
        if not (getattr(data, name) or "").strip():
            errors[name] = _("请填写%(label)s。") % {"label": label}
    _division_check(errors, actor, data.division_code)
    _date_check(errors, "starts_at", data.starts_at)
    _date_check(errors, "ends_at", data.ends_at)
    if data.starts_at and data.ends_at and data.ends_at <= data.starts_at:
        errors["ends_at"] = _("结束时间必须晚于开始时间。")
    if data.ends_at and data.ends_at > timezone.now():
        errors["ends_at"] = _("请在活动结束后登记（结束时间不能晚于现在）。")
    if data.beneficiary_count < 0 or data.beneficiary_count > 100_000:
        errors["beneficiary_count"] = _("人数须为 0 至 100000。")
    staff = list(
        scope_queryset(User.objects.filter(kind="staff"), actor).filter(pk__in=data.staff_ids)
    )
    if len(staff) != len(set(data.staff_ids)):
        errors["staff"] = _("请选择本辖区的工作人员。")
    volunteers, ok = _volunteers_in_scope(actor, data.volunteer_ids)
    if not ok:
        errors["volunteers"] = _("请选择本辖区已登记的志愿者。")
    people = list(
        scope_queryset(Person.objects.filter(is_void=False), actor).filter(
            pk__in=data.beneficiary_ids
        )
    )
    if len(people) != len(set(data.beneficiary_ids)):
        errors["beneficiaries"] = _("请选择本辖区已登记的服务对象。")
    if not people and not data.beneficiary_count:
        errors["beneficiary_count"] = _("请登记服务对象或填写服务对象人数。")
    for photo in photos:
        errors.update(
            upload_errors(photo, field="photos", allowed=PHOTO_TYPES, max_bytes=PHOTO_MAX_BYTES)
        )
    _fail(errors)
    with transaction.atomic():
        activity = CareActivity.objects.create(
            kind=data.kind,
            title=data.title.strip(),
            organiser=data.organiser.strip(),
            place=data.place.strip(),
            division_id=data.division_code,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            beneficiary_count=data.beneficiary_count,
            report=data.report.strip(),
            created_by=actor,
        )
        activity.staff.set(staff)
        ActivityBeneficiary.objects.bulk_create(
            ActivityBeneficiary(activity=activity, person=p) for p in people
        )
        if volunteers:
            outside = _record_volunteer_hours(
                actor=actor,
                title=activity.title,
                organiser=activity.organiser,
                division_code=activity.division_id,
                place=activity.place,
                starts_at=activity.starts_at,
                ends_at=activity.ends_at,
                volunteers=volunteers,
            )
            minutes = int((activity.ends_at - activity.starts_at).total_seconds() // 60)
            activity.volunteer_activity_id = outside.pk
            activity.save(update_fields=["volunteer_activity_id"])
            ActivityVolunteer.objects.bulk_create(
                ActivityVolunteer(
                    activity=activity, volunteer_id=v.pk, name=v.person.name, minutes=minutes
                )
                for v in volunteers
            )
        for photo in photos:
            attachment_add(
                actor=actor,
                owner=activity,
                upload=photo,
                kind="photo",
                allowed=PHOTO_TYPES,
                max_bytes=PHOTO_MAX_BYTES,
            )
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=activity, summary=activity.title
        )
    return activity
