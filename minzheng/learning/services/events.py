"""Lectures and visits: QR check-in and members' reflections reviewed by the branch secretary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope

from .. import selectors
from ..models import (
    Event,
    EventAttendance,
    Reflection,
    ReflectionState,
)
from ..workflows import REFLECTION
from .common import EVENT_SALT, _branch_ids_error, _publisher_division, member_of


@dataclass
class EventInput:
    kind: str
    title: str
    site: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    branch_ids: list[int]
    speaker: str = ""
    description: str = ""


def event_create(*, actor, data: EventInput) -> Event:
    require_perm(actor, "learning.add_event")
    errors: dict[str, str] = {}
    if data.kind not in Event.Kind.values:
        errors["kind"] = _("类型不正确。")
    if not data.title or not data.title.strip():
        errors["title"] = _("请填写名称。")
    if not data.site or not data.site.strip():
        errors["site"] = _("请填写地点。")
    if data.kind == Event.Kind.LECTURE and not (data.speaker or "").strip():
        errors["speaker"] = _("讲座请填写主讲人。")
    if not data.starts_at or not data.ends_at or data.ends_at <= data.starts_at:
        errors["ends_at"] = _("结束时间应晚于开始时间。")
    if e := _branch_ids_error(actor, data.branch_ids):
        errors["branches"] = e
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = Event.objects.create(
            kind=data.kind,
            title=data.title.strip(),
            speaker=(data.speaker or "").strip(),
            site=data.site.strip(),
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            description=(data.description or "").strip(),
            division_id=_publisher_division(actor),
            created_by=actor,
        )
        event.branches.set(data.branch_ids)
        audit.record(actor=actor, action=audit.Action.CREATE, target=event, summary=event.title)
    return event


def event_token(event: Event) -> str:
    return signing.dumps({"e": event.pk}, salt=EVENT_SALT, compress=True)


def event_from_token(token: str) -> Event:
    try:
        data = signing.loads(token, salt=EVENT_SALT, max_age=dt.timedelta(days=400))
        return Event.objects.get(pk=data["e"])
    except (signing.BadSignature, KeyError, TypeError, Event.DoesNotExist):
        raise ValidationError({"token": _("二维码无效或已过期。")}) from None


CHECKIN_BEFORE = dt.timedelta(hours=1)


def attendance_check_in(*, actor, event: Event, member=None, now=None) -> EventAttendance:
    """A member checks in by scanning the event's QR code (member=None: the signed-in
    member), or staff scan a member's code. From an hour before the start to the end."""
    now = now or timezone.now()
    if member is None:
        member = member_of(actor)
        method = EventAttendance.Method.QR
    else:
        require_perm(actor, "learning.add_eventattendance")
        if not code_in_scope(actor, event.division_id):
            raise Http404
        method = EventAttendance.Method.STAFF
    if not selectors.member_can_see(member, event):
        raise ValidationError({"token": _("您所在的党支部不在本次活动的参加范围内。")})
    if not (event.starts_at - CHECKIN_BEFORE <= now <= event.ends_at):
        raise ValidationError({"token": _("不在签到时间内（活动开始前 1 小时至结束）。")})
    if EventAttendance.objects.filter(event=event, member=member).exists():
        raise ValidationError({"token": _("已签到，无需重复签到。")})
    try:
        with transaction.atomic():
            return EventAttendance.objects.create(
                event=event,
                member=member,
                branch_id=member.branch_id,
                division_id=member.branch.division_id,
                checked_in_at=now,
                method=method,
            )
    except IntegrityError:
        raise ValidationError({"token": _("已签到，无需重复签到。")}) from None


def reflection_submit(*, actor, event: Event, title: str, body: str, now=None) -> Reflection:
    """A member's 心得体会 on an event they attended; a returned one is rewritten and sent
    again (the same row, its history keeps the earlier text)."""
    member = member_of(actor)
    errors: dict[str, str] = {}
    if not title or not title.strip() or len(title) > 80:
        errors["title"] = _("请填写标题（不超过 80 字）。")
    if not body or len(body.strip()) < 50:
        errors["body"] = _("心得体会至少 50 字。")
    elif len(body) > 5000:
        errors["body"] = _("心得体会不能超过 5000 字。")
    if not EventAttendance.objects.filter(event=event, member=member).exists():
        errors["event"] = _("签到参加活动后才能提交心得体会。")
    existing = Reflection.objects.filter(event=event, member=member).first()
    if existing and existing.state != ReflectionState.RETURNED:
        errors["event"] = _("您已提交过本次活动的心得体会。")
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    with transaction.atomic():
        if existing:
            existing.title, existing.body, existing.submitted_at = title.strip(), body.strip(), now
            existing.save(update_fields=["title", "body", "submitted_at"])
            workflow.move(workflow=REFLECTION, obj=existing, name="resubmit", actor=actor)
            return existing
        reflection = Reflection.objects.create(
            event=event,
            member=member,
            branch_id=member.branch_id,
            division_id=member.branch.division_id,
            title=title.strip(),
            body=body.strip(),
            submitted_at=now,
        )
        workflow.start(workflow=REFLECTION, obj=reflection, name="submit", actor=actor)
    return reflection


def reflection_review(
    *, actor, reflection: Reflection, decision: str, note: str = "", now=None
) -> Reflection:
    """The branch secretary approves a reflection or returns it with a note."""
    require_perm(actor, "learning.review_reflection")
    if not selectors.staff_branches(actor).filter(pk=reflection.branch_id).exists():
        raise Http404
    if decision not in ("approve", "return"):
        raise ValidationError({"decision": _("请选择审阅结果。")})
    if decision == "return" and not note.strip():
        raise ValidationError({"review_note": _("退回时请写明修改意见。")})
    with transaction.atomic():
        workflow.move(
            workflow=REFLECTION,
            obj=reflection,
            name=decision,
            actor=actor,
            reason=note.strip(),
            extra_updates={
                "reviewed_by": actor,
                "reviewed_at": now or timezone.now(),
                "review_note": note.strip(),
            },
        )
        audit.record(actor=actor, action=audit.Action.UPDATE, target=reflection, summary=decision)
    return reflection
