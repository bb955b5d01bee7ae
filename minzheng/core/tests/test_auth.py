import pytest
from django.test import override_settings
from django.urls import reverse

from minzheng.core.models import OperationLog

PASSWORD = "Test-Password-123"


@pytest.mark.django_db
def test_login_logs_in_and_is_logged(client, guicheng_worker):
    response = client.post(
        reverse("core:login"),
        {"username": "guicheng_worker", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.7",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    log = OperationLog.objects.get(action="login")
    assert (log.username, log.ip) == ("guicheng_worker", "10.0.0.7")


@pytest.mark.django_db
def test_failed_logins_lock_the_account(client, guicheng_worker):
    for _ in range(5):
        response = client.post(
            reverse("core:login"), {"username": "guicheng_worker", "password": "wrong"}
        )
        assert response.status_code in (200, 429)
    assert (
        OperationLog.objects.filter(action="login_failed", username="guicheng_worker").count() == 5
    )
    # the right password no longer works while locked
    response = client.post(
        reverse("core:login"), {"username": "guicheng_worker", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()
    assert not OperationLog.objects.filter(action="login").exists()


@pytest.mark.django_db
def test_wrong_password_message_in_chinese(client, guicheng_worker):
    response = client.post(
        reverse("core:login"), {"username": "guicheng_worker", "password": "wrong"}
    )
    assert "用户名或密码不正确" in response.content.decode()


@pytest.mark.django_db
def test_idle_session_times_out(client, guicheng_worker):
    client.force_login(guicheng_worker)
    assert client.get(reverse("core:home")).status_code == 200
    session = client.session
    session["_last_seen"] -= 31 * 60
    session.save()
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:login")
    assert client.get(reverse("core:home")).status_code == 302  # really signed out
    assert OperationLog.objects.filter(action="logout", username="guicheng_worker").count() == 1


@pytest.mark.django_db
def test_language_zh_hans_by_default_and_english_on_request(client, guicheng_worker):
    client.force_login(guicheng_worker)
    page = client.get(reverse("core:home")).content.decode()
    assert '<html lang="zh-hans"' in page and "工作台" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/staff/"})
    page = client.get(reverse("core:home")).content.decode()
    assert '<html lang="en"' in page and "Workbench" in page


@pytest.mark.django_db
def test_strong_password_rules():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("abcdefghij")
    with pytest.raises(ValidationError):
        validate_password("short1A!")
    validate_password("Nanhai-Minzheng-77")


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=2)
def test_api_token_uses_the_same_lockout(client, guicheng_worker):
    url = "/api/v1/auth/token/"
    assert client.post(url, {"username": "guicheng_worker", "password": "x"}).status_code == 400
    assert client.post(url, {"username": "guicheng_worker", "password": "x"}).status_code in (
        400,
        403,
        429,
    )
    response = client.post(url, {"username": "guicheng_worker", "password": PASSWORD})
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.json()["detail"]


@pytest.mark.django_db
def test_api_token_auth(client, guicheng_worker):
    token = client.post(
        "/api/v1/auth/token/", {"username": "guicheng_worker", "password": PASSWORD}
    ).json()["token"]
    response = client.get("/api/v1/core/divisions/?level=town", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert [d["code"] for d in response.json()] == ["440605011000"]


@pytest.mark.django_db
def test_me_names_the_token_account_and_needs_one(client, guicheng_worker):
    token = client.post(
        "/api/v1/auth/token/", {"username": "guicheng_worker", "password": PASSWORD}
    ).json()["token"]
    me = client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Token {token}").json()
    assert (me["id"], me["username"], me["kind"], me["division"]) == (
        guicheng_worker.pk,
        "guicheng_worker",
        "staff",
        "440605011000",
    )
    assert client.get("/api/v1/auth/me/").status_code in (401, 403)
    assert client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_healthz(client, db):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
