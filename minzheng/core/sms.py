"""Text messages. Code calls `sms_queue` inside its transaction: an `OutboundSMS` row, sent
by the task `sms_deliver` after the commit, at most once. `send_sms` is the direct call to
the backend that the task makes; the backend is chosen by settings.SMS_BACKEND.

A backend implements `send(phone, text) -> None`. Production uses `HttpGatewayBackend`
(the operator's SMS gateway over HTTPS) or a class of its own with the same method;
production settings refuse the console and memory backends, which send nothing.
"""

from __future__ import annotations

import json
import logging
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("minzheng.sms")


class ConsoleBackend:
    """Prints each message (the embedded default and the demo: read codes from the log)."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone, text)
        print(f"[SMS] to {phone}: {text}", flush=True)


class MemoryBackend:
    """Keeps messages in `outbox` for tests."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        MemoryBackend.outbox.append((phone, text))


class GatewayError(Exception):
    """The gateway did not accept the message."""


class HttpGatewayBackend:
    """POSTs {"phone", "text", "signature"} as JSON to settings.SMS_GATEWAY_URL with the
    bearer token settings.SMS_GATEWAY_TOKEN; any answer but 2xx raises GatewayError.
    The timeout is short: a caller must never hang on the gateway."""

    def send(self, phone: str, text: str) -> None:
        body = json.dumps(
            {"phone": phone, "text": text, "signature": settings.SMS_SIGNATURE},
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as answer:
                status = answer.status
        except OSError as exc:  # URLError, HTTPError and timeouts are all OSErrors
            raise GatewayError(f"SMS gateway: {exc}") from exc
        if not 200 <= status < 300:
            raise GatewayError(f"SMS gateway answered {status}")


def send_sms(*, phone: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(phone, text)


def sms_queue(*, phone: str, text: str, source: str = "", key: str | None = None):
    """Queue one message: an `OutboundSMS` row written in the caller's transaction, and
    `sms_deliver` started by `core.tasks.enqueue` once that transaction commits (a rolled
    back transaction sends nothing, and no request waits for the gateway). With `key`,
    a message already queued under the same key is not queued again, so a task that
    notifies may run twice. Returns the row, or None when nothing was queued."""
    from django.db import IntegrityError, transaction

    from . import tasks
    from .models import OutboundSMS

    if not phone:
        return None
    if key is not None and OutboundSMS.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            row = OutboundSMS.objects.create(phone=phone, text=text, source=source, key=key)
    except IntegrityError:  # the same key queued concurrently
        return None
    tasks.enqueue(sms_deliver, message_id=row.pk)
    return row


def sms_deliver(*, message_id: int) -> None:
    """Task: send one queued message. Safe to run twice: the row is claimed with one
    conditional UPDATE (pending → sending), so only one run sends. At most once: a worker
    that dies after the claim leaves the row "sending" rather than risk a second message
    (a resident simply asks for a new code)."""
    from django.utils import timezone

    from .models import OutboundSMS

    pending = OutboundSMS.objects.filter(pk=message_id, status=OutboundSMS.Status.PENDING)
    if not pending.update(status=OutboundSMS.Status.SENDING):
        return
    row = OutboundSMS.objects.get(pk=message_id)
    status, error = OutboundSMS.Status.SENT, ""
    try:
        send_sms(phone=row.phone, text=row.text)
    except Exception as exc:  # noqa: BLE001 - recorded on the row; the gateway's or a bug
        log.warning("SMS #%s not sent: %s", message_id, exc)
        status, error = OutboundSMS.Status.FAILED, str(exc)[:200]
    OutboundSMS.objects.filter(pk=message_id).update(
        status=status, error=error, phone="", text="", handled_at=timezone.now()
    )
