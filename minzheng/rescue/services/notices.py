"""寻亲 notices: drafted at intake, published once a staff member has reviewed what the public
will see (text and photo), taken down on return."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm

from .. import rules
from ..models import (
    Case,
    Notice,
    NoticeStatus,
    Sex,
)


def _notice_create(*, case: Case, photo_token: str, now) -> Notice:
    values = {name: getattr(case, name) for name in rules.NOTICE_FROM_CASE}
    title = _("寻亲公告：%(date)s在%(place)s发现一名%(sex)s性") % {
        "date": f"{case.found_date:%Y年%-m月%-d日}",
        "place": case.found_place[:30],
        "sex": Sex(case.sex).label,
    }
    return Notice.objects.create(
        case=case,
        title=title[:100],
        appearance=rules.notice_appearance(case),
        photo_token=photo_token,
        status=NoticeStatus.DRAFT,
        published_at=None,
        updated_at=now,
        **values,
    )


def notice_update(*, actor, notice: Notice, title: str, appearance: str) -> Notice:
    """Staff edit what the notice says (title and the recognisable features only)."""
    require_perm(actor, "rescue.change_notice")
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("请填写标题。")
    if notice.status == NoticeStatus.TAKEN_DOWN:
        errors["title"] = _("公告已撤下，不能修改。")
    if errors:
        raise ValidationError(errors)
    notice.title, notice.appearance, notice.updated_at = (
        title.strip()[:100],
        (appearance or "").strip(),
        timezone.now(),
    )
    notice.save(update_fields=["title", "appearance", "updated_at"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=notice,
        summary=f"更新寻亲公告 {notice.case.number}",
    )
    return notice


def notice_publish(*, actor, notice: Notice) -> Notice:
    """Publish a drafted notice after reviewing its text and photo: from now on anyone can
    see it on the portal. One conditional UPDATE (draft → published), so it is published once."""
    require_perm(actor, "rescue.change_notice")
    now = timezone.now()
    if not Notice.objects.filter(pk=notice.pk, status=NoticeStatus.DRAFT).update(
        status=NoticeStatus.PUBLISHED, published_at=now, updated_at=now
    ):
        raise ValidationError({"status": _("该公告不是待审核状态，不能发布。")})
    notice.status, notice.published_at, notice.updated_at = NoticeStatus.PUBLISHED, now, now
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=notice,
        summary=f"审核发布寻亲公告 {notice.case.number}",
    )
    return notice


def _notice_take_down(case: Case) -> None:
    Notice.objects.filter(
        case=case, status__in=(NoticeStatus.DRAFT, NoticeStatus.PUBLISHED)
    ).update(
        status=NoticeStatus.TAKEN_DOWN, taken_down_at=timezone.now(), updated_at=timezone.now()
    )
