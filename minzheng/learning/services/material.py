"""Study material: numbered issues with attachments, published to branches; reading records."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm
from minzheng.core.services import attachment_add, upload_errors
from minzheng.core.validators import name_error

from ..models import (
    ReadingRecord,
    StudyIssue,
)
from .common import (
    MATERIAL_MAX_BYTES,
    MATERIAL_TYPES,
    _branch_ids_error,
    _publisher_division,
    member_of,
)


@dataclass
class IssueInput:
    year: int
    number: int
    title: str
    body: str
    reading_minutes: int
    branch_ids: list[int] = field(default_factory=list)


def issue_create(*, actor, data: IssueInput, files=()) -> StudyIssue:
    """A draft issue with its attachments (PDF, images, video). A refused file refuses the
    whole issue."""
    require_perm(actor, "learning.add_studyissue")
    errors: dict[str, str] = {}
    if not data.title or not data.title.strip():
        errors["title"] = _("请填写标题。")
    elif name_error(data.title):
        errors["title"] = name_error(data.title)
    if not data.body or not data.body.strip():
        errors["body"] = _("请填写正文。")
    if not (2000 <= (data.year or 0) <= 2100):
        errors["year"] = _("年度不正确。")
    if not (1 <= (data.number or 0) <= 999):
        errors["number"] = _("期号应为 1–999。")
    if not (1 <= (data.reading_minutes or 0) <= 600):
        errors["reading_minutes"] = _("预计阅读时间应为 1–600 分钟。")
    if e := _branch_ids_error(actor, data.branch_ids):
        errors["branches"] = e
    for f in files:
        errors.update(upload_errors(f, allowed=MATERIAL_TYPES, max_bytes=MATERIAL_MAX_BYTES))
    division = _publisher_division(actor)
    if (
        not errors
        and StudyIssue.objects.filter(
            division_id=division, year=data.year, number=data.number
        ).exists()
    ):
        errors["number"] = _("%(y)s 年第 %(n)s 期已存在。") % {"y": data.year, "n": data.number}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        issue = StudyIssue.objects.create(
            year=data.year,
            number=data.number,
            title=data.title.strip(),
            body=data.body.strip(),
            reading_minutes=data.reading_minutes,
            division_id=division,
            created_by=actor,
        )
        issue.branches.set(data.branch_ids)
        for f in files:
            attachment_add(
                actor=actor,
                owner=issue,
                upload=f,
                kind="学习资料",
                allowed=MATERIAL_TYPES,
                max_bytes=MATERIAL_MAX_BYTES,
            )
        audit.record(actor=actor, action=audit.Action.CREATE, target=issue, summary=str(issue))
    return issue


def issue_publish(*, actor, issue: StudyIssue) -> StudyIssue:
    require_perm(actor, "learning.change_studyissue")
    if issue.status == StudyIssue.Status.PUBLISHED:
        raise ValidationError({"status": _("该期资料已发布。")})
    with transaction.atomic():
        now = timezone.now()
        updated = StudyIssue.objects.filter(pk=issue.pk, status=StudyIssue.Status.DRAFT).update(
            status=StudyIssue.Status.PUBLISHED, published_at=now
        )
        if not updated:
            raise ValidationError({"status": _("该期资料已发布。")})
        issue.status, issue.published_at = StudyIssue.Status.PUBLISHED, now
        audit.record(actor=actor, action=audit.Action.UPDATE, target=issue, summary="发布")
    return issue


def reading_record(
    *, actor, issue: StudyIssue, seconds: int = 0, finished: bool = False, now=None
) -> ReadingRecord:
    """Open (first call), add time read, mark read to the end. The issue must be one the
    member's branch received (callers fetch it with selectors.member_issue)."""
    member = member_of(actor)
    if not (0 <= seconds <= 3600):
        raise ValidationError({"seconds": _("阅读时长不正确。")})
    now = now or timezone.now()
    with transaction.atomic():
        record, _created = ReadingRecord.objects.get_or_create(
            issue=issue,
            member=member,
            defaults={
                "branch_id": member.branch_id,
                "division_id": member.branch.division_id,
                "opened_at": now,
            },
        )
        record = ReadingRecord.objects.select_for_update().get(pk=record.pk)
        fields = []
        if seconds:
            record.seconds_spent += seconds
            fields.append("seconds_spent")
        if finished and record.finished_at is None:
            record.finished_at = now
            fields.append("finished_at")
        if fields:
            record.save(update_fields=fields)
    return record
