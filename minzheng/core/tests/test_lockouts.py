"""Sign-in lockout per (account, client address), and the administrator's unlock page."""

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse

from minzheng.core import services
from minzheng.core.models import OperationLog

PASSWORD = "Test-Password-123"
A = "203.0.113.5"
B = "198.51.100.7"
PROXY = "10.0.0.2"


def _sign_in(client, password, ip, username="guicheng_worker"):
    return client.post(
        reverse("core:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _lock(client, ip=A, username="guicheng_worker"):
    for _ in range(5):
        _sign_in(client, "wrong", ip, username)


pytestmark = pytest.mark.django_db


def test_five_wrong_passwords_lock_the_account_from_that_address_only(client, guicheng_worker):
    _lock(client, A)

    assert _sign_in(client, PASSWORD, A).status_code == 429
    response = _sign_in(client, PASSWORD, B)

    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert list(OperationLog.objects.filter(action="login").values_list("ip", flat=True)) == [B]


def test_another_account_is_not_locked_from_the_same_address(
    client, guicheng_worker, jiujiang_worker
):
    _lock(client, A)

    assert _sign_in(client, PASSWORD, A, "jiujiang_worker").status_code == 302


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_rotating_x_real_ip_from_one_address_does_not_escape_the_lockout(client, guicheng_worker):
    for i in range(5):
        client.post(
            reverse("core:login"),
            {"username": "guicheng_worker", "password": "wrong"},
            REMOTE_ADDR=A,
            HTTP_X_REAL_IP=f"192.0.2.{i}",
        )

    response = client.post(
        reverse("core:login"),
        {"username": "guicheng_worker", "password": PASSWORD},
        REMOTE_ADDR=A,
        HTTP_X_REAL_IP="192.0.2.99",
    )

    assert response.status_code == 429


def test_administrator_sees_the_lockout_and_unlocks_it(client, guicheng_worker, admin_user):
    _lock(client, A)
    _lock(client, B)
    client.force_login(admin_user)

    page = client.get(reverse("core:lockouts")).content.decode()
    assert page.count('name="username" value="guicheng_worker"') == 2
    assert f'name="ip" value="{A}"' in page and f'name="ip" value="{B}"' in page
    assert "<td>5</td>" in page
    response = client.post(reverse("core:lockout_unlock"), {"username": "guicheng_worker", "ip": A})

    assert response.status_code == 302 and response["Location"] == reverse("core:lockouts")
    page = client.get(reverse("core:lockouts")).content.decode()
    assert "已解除 guicheng_worker 的登录锁定。" in page
    assert f'name="ip" value="{A}"' not in page and f'name="ip" value="{B}"' in page
    log = OperationLog.objects.get(action="unlock")
    assert (log.user, log.target_type, log.target_id) == (
        admin_user,
        "core.user",
        str(guicheng_worker.pk),
    )
    assert log.detail == {
        "unlocked_username": "guicheng_worker",
        "address": A,
        "attempts_cleared": 1,
    }
    client.logout()
    assert _sign_in(client, PASSWORD, A).status_code == 302
    client.logout()
    assert _sign_in(client, PASSWORD, B).status_code == 429  # B was not unlocked


def test_the_lockout_page_is_in_the_menu_only_for_administrators(
    client, admin_user, district_officer
):
    client.force_login(admin_user)
    assert 'href="/staff/lockouts/"' in client.get(reverse("core:home")).content.decode()
    client.force_login(district_officer)
    assert 'href="/staff/lockouts/"' not in client.get(reverse("core:home")).content.decode()


def test_non_administrators_get_403_and_unlock_nothing(
    client, guicheng_worker, district_officer, leader
):
    _lock(client, A)
    for user in (district_officer, leader, guicheng_worker):
        client.force_login(user)
        assert client.get(reverse("core:lockouts")).status_code == 403
        response = client.post(
            reverse("core:lockout_unlock"), {"username": "guicheng_worker", "ip": A}
        )
        assert response.status_code == 403
    assert AccessAttempt.objects.filter(username="guicheng_worker", ip_address=A).exists()
    assert not OperationLog.objects.filter(action="unlock").exists()


def test_residents_and_anonymous_do_not_reach_the_page(client):
    from minzheng.portal.tests.factories import resident

    assert client.get(reverse("core:lockouts")).status_code == 302  # to the sign-in page
    assert client.post(reverse("core:lockout_unlock"), {"username": "x"}).status_code == 302
    client.force_login(resident("13812345678"))
    assert client.get(reverse("core:lockouts")).status_code == 404
    assert client.post(reverse("core:lockout_unlock"), {"username": "x"}).status_code == 404


def test_unlock_service_refuses_without_the_permission(client, guicheng_worker, district_officer):
    _lock(client, A)

    with pytest.raises(PermissionDenied):
        services.account_unlock(actor=district_officer, username="guicheng_worker", ip=A)

    assert AccessAttempt.objects.count() == 1


def test_unlock_without_an_address_clears_every_address(client, guicheng_worker, admin_user):
    _lock(client, A)
    _lock(client, B)

    assert services.account_unlock(actor=admin_user, username="guicheng_worker") == 2

    assert AccessAttempt.objects.count() == 0
    assert OperationLog.objects.get(action="unlock").detail["address"] is None


def test_unlock_with_nothing_locked_or_bad_input_writes_nothing(admin_user):
    with pytest.raises(ValidationError) as excinfo:
        services.account_unlock(actor=admin_user, username="nobody", ip=A)
    assert excinfo.value.message_dict == {"username": ["没有需要解除的登录锁定，可能已自动解除"]}
    with pytest.raises(ValidationError) as excinfo:
        services.account_unlock(actor=admin_user, username=" ", ip="not-an-ip")
    assert excinfo.value.message_dict == {
        "username": ["请指定要解锁的账号"],
        "ip": ["IP 地址格式不正确"],
    }
    assert not OperationLog.objects.filter(action="unlock").exists()
