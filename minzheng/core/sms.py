"""Text messages. Code calls `send_sms`; the backend is chosen by settings.SMS_BACKEND.

A production backend implements `send(phone, text) -> None` for the operator's gateway.
"""

from __future__ import annotations

import logging

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


def send_sms(*, phone: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(phone, text)
