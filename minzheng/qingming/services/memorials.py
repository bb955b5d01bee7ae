"""云祭扫 (online memorials): memorial pages and tributes, moderated."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.models import User
from minzheng.core.permissions import require_perm
from minzheng.core.validators import name_error
from minzheng.registry import validators

from ..models import (
    Memorial,
    Tribute,
)


def memorial_create(*, actor, deceased_name: str, years: str = "", epitaph: str = "") -> Memorial:
    if getattr(actor, "kind", "") != User.Kind.RESIDENT:
        raise PermissionDenied(_("网上纪念馆须由群众本人账号创建。"))
    name = " ".join((deceased_name or "").split())
    if not name or len(name) > 40:
        raise ValidationError({"deceased_name": _("请填写逝者姓名。")})
    if name_error(name):
        raise ValidationError({"deceased_name": name_error(name)})
    return Memorial.objects.create(
        deceased_name=name,
        years=(years or "")[:30],
        epitaph=(epitaph or "")[:200],
        created_by=actor,
    )


def tribute_add(*, actor, memorial: Memorial, kind: str, text: str = "") -> Tribute:
    """A flower (shown at once) or a message (shown after staff approve it)."""
    if getattr(actor, "kind", "") != User.Kind.RESIDENT:
        raise PermissionDenied(_("请用群众账号献花留言。"))
    if memorial.status != Memorial.Status.APPROVED:
        raise ValidationError({"memorial": _("纪念馆尚未公开。")})
    text = (text or "").strip()
    if kind == Tribute.Kind.MESSAGE and not 1 <= len(text) <= 300:
        raise ValidationError({"text": _("留言须为 1–300 个字。")})
    if kind not in Tribute.Kind.values:
        raise ValidationError({"kind": _("类型不正确。")})
    profile = getattr(actor, "resident_profile", None)
    label = validators.mask_name(profile.real_name) if profile and profile.real_name else _("网友")
    status = Memorial.Status.APPROVED if kind == Tribute.Kind.FLOWER else Memorial.Status.PENDING
    return Tribute.objects.create(
        memorial=memorial,
        kind=kind,
        text=text if kind == Tribute.Kind.MESSAGE else "",
        author=actor,
        author_label=label,
        status=status,
    )


def moderate(*, actor, item: Memorial | Tribute, approve: bool) -> None:
    """Staff publish or refuse a memorial page or a message."""
    require_perm(actor, f"qingming.change_{type(item)._meta.model_name}")
    pending = Memorial.Status.PENDING
    status = Memorial.Status.APPROVED if approve else Memorial.Status.REJECTED
    fields = {"status": status}
    if isinstance(item, Tribute):
        fields.update(moderated_by=actor, moderated_at=timezone.now())
    if not type(item).objects.filter(pk=item.pk, status=pending).update(**fields):
        raise ValidationError({"status": _("该内容已审核。")})
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=item,
        summary=f"审核{'通过' if approve else '不通过'}",
    )
