"""Text messages. Code calls `send_sms`; the backend is chosen by settings.SMS_BACKEND.

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
