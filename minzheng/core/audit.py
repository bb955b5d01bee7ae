"""The operation log: one function records every logged event."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Model

from . import context
from .models import OperationLog

Action = OperationLog.Action


def record(
    *, actor, action: str, target: Model | None = None, summary: str = "", **detail: Any
) -> OperationLog:
    ctx = context.current()
    user = actor if actor is not None and getattr(actor, "pk", None) else None
    return OperationLog.objects.create(
        user=user,
        username=getattr(actor, "username", "") or detail.pop("username", ""),
        action=action,
        target_type=target._meta.label_lower
        if target is not None
        else detail.pop("target_type", ""),
        target_id=str(target.pk) if target is not None else str(detail.pop("target_id", "")),
        summary=summary[:300],
        ip=ctx.ip,
        detail=detail,
    )


def _on_login(sender, request, user, **kwargs):
    record(actor=user, action=Action.LOGIN, summary="登录成功")


def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(actor=user, action=Action.LOGOUT, summary="退出登录")


def _on_login_failed(sender, credentials, request=None, **kwargs):
    # The password is never logged; only the name that was tried.
    name = str(credentials.get("username", ""))[:150]
    record(actor=None, action=Action.LOGIN_FAILED, summary="登录失败", username=name)


def connect_auth_signals() -> None:
    user_logged_in.connect(_on_login, dispatch_uid="minzheng.audit.login")
    user_logged_out.connect(_on_logout, dispatch_uid="minzheng.audit.logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="minzheng.audit.login_failed")
