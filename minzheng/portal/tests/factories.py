"""Test data for the portal: resident accounts and valid ID numbers."""

from __future__ import annotations

from minzheng.portal import services
from minzheng.registry import pii
from minzheng.registry.validators import check_character


def id_number(first17: str) -> str:
    """A valid 18-digit ID number from its first 17 digits."""
    return first17 + check_character(first17)


def resident(phone: str = "13812345678"):
    """A resident signed up through the real SMS flow, so the rows are the ones
    production writes."""
    from django.test import TestCase

    from minzheng.core.sms import MemoryBackend

    # The SMS goes out on commit, which a test's wrapping transaction never reaches.
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.sms_code_request(phone=phone, ip=None)
    code = MemoryBackend.outbox[-1][1].split("验证码是 ")[1][:6]
    return services.sms_code_verify_and_login(phone=phone, code=code)


def phone_hash(phone: str) -> str:
    return pii.blind_index(phone, kind="phone")
