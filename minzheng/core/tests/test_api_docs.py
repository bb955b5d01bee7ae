"""/api/schema/ and /api/docs/: public in the embedded setup, staff only in production."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest
from django.test import override_settings

from minzheng.core.models import User

DOCS = ["/api/schema/", "/api/docs/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", DOCS)
def test_docs_are_public_by_default(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.django_db
@override_settings(API_DOCS_PUBLIC=False)
@pytest.mark.parametrize("url", DOCS)
def test_docs_need_a_signed_in_staff_user_when_not_public(client, guicheng_worker, url):
    anonymous = client.get(url)
    client.force_login(User.objects.create_user(username="r1", kind=User.Kind.RESIDENT))
    as_resident = client.get(url)
    client.force_login(guicheng_worker)
    staff = client.get(url)

    assert (anonymous.status_code, as_resident.status_code, staff.status_code) == (401, 403, 200)


def test_production_settings_turn_public_docs_off():
    env = {
        **os.environ,
        "SECRET_KEY": "x" * 50,
        "FIELD_KEYS": "k1:" + base64.urlsafe_b64encode(b"k" * 32).decode(),
        "BLIND_INDEX_KEY": "y" * 32,
        "SMS_BACKEND": "minzheng.core.sms.HttpGatewayBackend",
        "SMS_GATEWAY_URL": "https://sms-gateway.example.gov.cn/send",
    }
    env.pop("API_DOCS_PUBLIC", None)
    code = "import config.settings.production as p; print(p.API_DOCS_PUBLIC)"

    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )

    assert out.stdout.strip() == "False"
