"""The client address: the proxy's headers are believed only from a trusted proxy, and the
operation log, the throttles and the sign-in lockout all take the same address."""

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.urls import reverse

from minzheng.core.context import client_ip
from minzheng.core.models import OperationLog
from minzheng.core.throttling import ScopedRateThrottle

PASSWORD = "Test-Password-123"
PROXY = "10.0.0.2"
CLIENT = "203.0.113.5"
FORGED = "198.51.100.66"


def _request(remote=CLIENT, **headers):
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


# --- the rule ---------------------------------------------------------------------------


def test_without_trusted_proxies_the_headers_are_ignored():
    request = _request(HTTP_X_REAL_IP=FORGED, HTTP_X_FORWARDED_FOR=FORGED)

    assert client_ip(request) == CLIENT


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_headers_from_a_client_that_is_not_a_trusted_proxy_are_ignored():
    request = _request(HTTP_X_REAL_IP=FORGED, HTTP_X_FORWARDED_FOR=FORGED)

    assert client_ip(request) == CLIENT


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_x_real_ip_from_the_trusted_proxy_is_the_client():
    assert client_ip(_request(PROXY, HTTP_X_REAL_IP=CLIENT)) == CLIENT


@override_settings(TRUSTED_PROXIES=["10.0.0.0/24"])
def test_the_right_most_untrusted_forwarded_for_entry_is_the_client():
    # The client wrote the left-most entry itself; the trusted proxies appended the rest.
    request = _request(PROXY, HTTP_X_FORWARDED_FOR=f"{FORGED}, {CLIENT}, 10.0.0.7")

    assert client_ip(request) == CLIENT


@override_settings(TRUSTED_PROXIES=[PROXY, "10.0.0.7"])
def test_x_real_ip_naming_another_trusted_proxy_falls_back_to_forwarded_for():
    request = _request(PROXY, HTTP_X_REAL_IP="10.0.0.7", HTTP_X_FORWARDED_FOR=f"{CLIENT}, 10.0.0.7")

    assert client_ip(request) == CLIENT


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_a_garbled_header_from_the_proxy_gives_the_proxy_address():
    request = _request(PROXY, HTTP_X_REAL_IP="not-an-ip", HTTP_X_FORWARDED_FOR="nope")

    assert client_ip(request) == PROXY


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_an_ipv4_client_seen_through_a_dual_stack_socket_is_trusted_as_ipv4():
    assert client_ip(_request(f"::ffff:{PROXY}", HTTP_X_REAL_IP=CLIENT)) == CLIENT


# --- the consumers ----------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[PROXY])
def test_operation_log_records_remote_addr_when_an_untrusted_client_forges_the_header(
    client, guicheng_worker
):
    client.post(
        reverse("core:login"),
        {"username": "guicheng_worker", "password": PASSWORD},
        REMOTE_ADDR=CLIENT,
        HTTP_X_REAL_IP=FORGED,
        HTTP_X_FORWARDED_FOR=FORGED,
    )

    assert list(OperationLog.objects.values_list("action", "ip")) == [("login", CLIENT)]


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[PROXY])
def test_operation_log_records_the_address_the_trusted_proxy_names(client, guicheng_worker):
    client.post(
        reverse("core:login"),
        {"username": "guicheng_worker", "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_REAL_IP=CLIENT,
    )

    assert list(OperationLog.objects.values_list("action", "ip")) == [("login", CLIENT)]


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[PROXY])
def test_sign_in_lockout_counts_the_address_the_operation_log_records(client, guicheng_worker):
    client.post(
        reverse("core:login"),
        {"username": "guicheng_worker", "password": "wrong"},
        REMOTE_ADDR=CLIENT,
        HTTP_X_REAL_IP=FORGED,
    )

    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [
        ("guicheng_worker", CLIENT)
    ]
    assert list(OperationLog.objects.values_list("action", "ip")) == [("login_failed", CLIENT)]


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_drf_throttle_identifies_a_client_by_the_trusted_address():
    throttle = ScopedRateThrottle()

    assert throttle.get_ident(_request(HTTP_X_FORWARDED_FOR=FORGED)) == CLIENT
    assert throttle.get_ident(_request(PROXY, HTTP_X_FORWARDED_FOR=CLIENT)) == CLIENT


@pytest.mark.django_db
def test_token_requests_cannot_escape_the_throttle_by_rotating_the_header(
    client, guicheng_worker, monkeypatch
):
    # The rates are read when DRF is imported, so the test narrows them on the class.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"anon": "2/min"})
    cache.clear()
    url = "/api/v1/auth/token/"
    data = {"username": "guicheng_worker", "password": PASSWORD}

    codes = [
        client.post(url, data, REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}").status_code
        for i in range(3)
    ]

    assert codes == [200, 200, 429]
    assert client.post(url, data, REMOTE_ADDR="203.0.113.6").status_code == 200
    cache.clear()
