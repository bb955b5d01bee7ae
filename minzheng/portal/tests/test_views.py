import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models import F
from django.test import override_settings

from minzheng.core import navigation
from minzheng.core.models import OperationLog
from minzheng.core.sms import MemoryBackend
from minzheng.portal.models import ResidentProfile, SmsCode

from .factories import id_number, resident

User = get_user_model()
PHONE = "13812345678"


@pytest.fixture
def no_services(monkeypatch):
    """An empty service registry for the test; whatever the test adds is gone after it."""
    monkeypatch.setattr(navigation, "PORTAL", [])
    return navigation.PORTAL


# --- home -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_root_redirects_to_the_portal_home(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/"


@pytest.mark.django_db
def test_home_without_services_says_more_are_coming(client, no_services):
    response = client.get("/portal/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "更多服务即将开通" in html
    assert 'href="/portal/login/"' in html
    assert 'href="/staff/login/"' in html
    assert '<main id="main"' in html
    assert 'href="#main"' in html


@pytest.mark.django_db
def test_home_lists_registered_services(client, no_services):
    navigation.add_portal_service(
        navigation.PortalService("清明预约", "网上预约祭扫时段", "portal:me", "🌼", 10)
    )
    navigation.add_portal_service(
        navigation.PortalService("寻亲服务", "发布寻亲信息", None, "🔎", 20)
    )

    response = client.get("/portal/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<a class="mz-service" href="/portal/me/">' in html
    assert "清明预约" in html
    assert "网上预约祭扫时段" in html
    assert "寻亲服务" in html
    assert "即将开通" in html
    assert "更多服务即将开通" not in html
    assert html.index("清明预约") < html.index("寻亲服务")


@pytest.mark.django_db
def test_home_shows_the_signed_in_residents_masked_phone_and_logout(client, no_services):
    client.force_login(resident(PHONE))

    html = client.get("/portal/").content.decode()

    assert "您好，138****5678" in html
    assert PHONE not in html
    assert 'action="/portal/logout/"' in html


@pytest.mark.django_db
def test_elder_mode_toggle_sets_the_cookie_and_the_home_renders_elder_class(client, no_services):
    response = client.get("/elder-mode/?on=1&next=/portal/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert response.cookies["mz_elder"].value == "1"
    html = client.get("/portal/").content.decode()
    assert 'class="elder"' in html
    assert "咨询电话" in html
    assert 'href="tel:12345"' in html
    assert "退出长辈模式" in html


@pytest.mark.django_db
def test_standard_mode_home_offers_the_elder_mode_switch(client, no_services):
    html = client.get("/portal/").content.decode()

    assert 'class=""' in html
    assert "/elder-mode/?on=1&amp;next=/portal/" in html


@pytest.mark.django_db
def test_html_lang_follows_the_active_language(client, no_services):
    client.cookies["mz_lang"] = "en"

    html = client.get("/portal/").content.decode()

    assert '<html lang="en"' in html


# --- sign-in ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_sms_sign_in_journey_returns_to_next(client, django_capture_on_commit_callbacks, last_code):
    page = client.get("/portal/login/?next=/portal/me/")
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        '<label class="form-label fw-semibold" for="id_phone">手机号码 <span class="mz-required">（必填）</span></label>'
        in html
    )
    assert 'autocomplete="tel"' in html
    assert 'inputmode="numeric"' in html

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/portal/login/", {"phone": PHONE, "next": "/portal/me/"})
    assert sent.status_code == 302
    assert sent["Location"] == "/portal/login/code/?next=%2Fportal%2Fme%2F"
    assert len(MemoryBackend.outbox) == 1

    code_page = client.get(sent["Location"])
    html = code_page.content.decode()
    assert '验证码已发送至 <span class="mz-masked">138****5678</span>' in html
    assert 'autocomplete="one-time-code"' in html
    assert PHONE not in html

    signed_in = client.post("/portal/login/code/", {"code": last_code(), "next": "/portal/me/"})
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/portal/me/"
    me = client.get("/portal/me/")
    assert me.status_code == 200
    assert "138****5678" in me.content.decode()
    assert OperationLog.objects.filter(action="login", user=me.wsgi_request.user).count() == 1


@pytest.mark.django_db
def test_phone_is_kept_encrypted_in_the_session_between_the_steps(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/login/", {"phone": PHONE})

    stored = client.session["portal_login_phone"]

    assert stored.startswith("v1:")
    assert PHONE not in stored


@pytest.mark.django_db
def test_sign_in_ignores_a_next_url_on_another_site(
    client, django_capture_on_commit_callbacks, last_code
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/login/", {"phone": PHONE})

    response = client.post(
        "/portal/login/code/", {"code": last_code(), "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/portal/"


@pytest.mark.django_db
def test_invalid_phone_shows_the_message_on_the_field_and_writes_nothing(client):
    response = client.post("/portal/login/", {"phone": "12345"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "手机号码应为 11 位数字，并以 13–19 开头" in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_phone_error"' in html
    assert '<div id="id_phone_error" role="alert"><ul class="errorlist">' in html
    assert SmsCode.objects.count() == 0
    assert MemoryBackend.outbox == []


@pytest.mark.django_db
def test_wrong_code_shows_the_message_and_signs_nobody_in(
    client, django_capture_on_commit_callbacks, last_code
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/login/", {"phone": PHONE})
    wrong = "000000" if last_code() != "000000" else "111111"

    response = client.post("/portal/login/code/", {"code": wrong})

    assert response.status_code == 400
    assert "验证码错误，还可以再试 4 次" in response.content.decode()
    assert 'aria-describedby="id_code_helptext id_code_error"' in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_resend_within_a_minute_is_refused_on_the_code_page(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/login/", {"phone": PHONE})

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/portal/login/code/", {"resend": "1"}, follow=True)

    assert response.redirect_chain == [("/portal/login/code/", 302)]
    assert (
        '<div class="alert alert-danger" role="alert">验证码已发送，请在 '
        in response.content.decode()
    )
    assert len(MemoryBackend.outbox) == 1
    assert SmsCode.objects.count() == 1


@pytest.mark.django_db
def test_resend_after_a_minute_sends_a_new_code(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/login/", {"phone": PHONE})
    SmsCode.objects.update(
        created_at=F("created_at") - dt.timedelta(seconds=61),
        expires_at=F("expires_at") - dt.timedelta(seconds=61),
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/portal/login/code/", {"resend": "1"}, follow=True)

    assert "新的验证码已发送，请使用最新收到的验证码" in response.content.decode()
    assert len(MemoryBackend.outbox) == 2
    assert SmsCode.objects.count() == 2


@pytest.mark.django_db
def test_code_page_without_a_phone_goes_back_to_step_one(client):
    response = client.get("/portal/login/code/?next=/portal/me/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?next=%2Fportal%2Fme%2F"


@pytest.mark.django_db
def test_logout_needs_post_and_signs_out(client):
    client.force_login(resident(PHONE))

    assert client.get("/portal/logout/").status_code == 405
    response = client.post("/portal/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert "_auth_user_id" not in client.session


# --- resident pages ---------------------------------------------------------------------


@pytest.mark.django_db
def test_me_asks_anonymous_visitors_to_sign_in(client):
    response = client.get("/portal/me/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?next=/portal/me/"


@pytest.mark.django_db
def test_me_is_refused_to_staff_with_a_clear_message(client):
    staff = User.objects.create_user(username="worker", password="x-Long-pass-123", kind="staff")
    client.force_login(staff)

    response = client.get("/portal/me/")

    assert response.status_code == 403
    assert "此页面仅供群众使用" in response.content.decode()


@pytest.mark.django_db
def test_me_offers_the_bind_form_until_bound(client):
    client.force_login(resident(PHONE))

    html = client.get("/portal/me/").content.decode()

    assert 'action="/portal/me/bind/"' in html
    assert (
        '<label class="form-label fw-semibold" for="id_real_name">姓名 <span class="mz-required">（必填）</span></label>'
        in html
    )
    assert (
        '<label class="form-label fw-semibold" for="id_id_number">身份证号码 <span class="mz-required">（必填）</span></label>'
        in html
    )


@pytest.mark.django_db
def test_bind_through_the_page_shows_the_masked_identity(client):
    number = id_number("44060519900101123")
    user = resident(PHONE)
    client.force_login(user)

    response = client.post("/portal/me/bind/", {"real_name": "张三", "id_number": number})

    assert response.status_code == 302
    assert response["Location"] == "/portal/me/"
    html = client.get("/portal/me/").content.decode()
    assert number[:4] + "**********" + number[-4:] in html
    assert number not in html
    assert "张三" in html
    assert 'action="/portal/me/bind/"' not in html
    assert ResidentProfile.objects.get(user=user).id_number == number


@pytest.mark.django_db
def test_bind_with_an_invalid_number_shows_the_message_on_the_field(client):
    user = resident(PHONE)
    client.force_login(user)

    response = client.post("/portal/me/bind/", {"real_name": "张三", "id_number": "4406051990"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "身份证号码应为 18 位，当前为 10 位" in html
    assert '<div id="id_id_number_error" role="alert"><ul class="errorlist">' in html
    assert ResidentProfile.objects.get(user=user).id_number_hash is None


@pytest.mark.django_db
def test_second_bind_through_the_page_is_refused_with_a_message(client):
    user = resident(PHONE)
    client.force_login(user)
    client.post(
        "/portal/me/bind/", {"real_name": "张三", "id_number": id_number("44060519900101123")}
    )

    response = client.post(
        "/portal/me/bind/",
        {"real_name": "李四", "id_number": id_number("44060519851231004")},
        follow=True,
    )

    html = response.content.decode()
    assert "身份证号码已绑定，如需更改请到服务窗口办理" in html
    assert 'role="alert">身份证号码已绑定' in html
    assert ResidentProfile.objects.get(user=user).real_name == "张三"


@pytest.mark.django_db
def test_bind_is_refused_to_staff(client):
    staff = User.objects.create_user(username="worker", password="x-Long-pass-123", kind="staff")
    client.force_login(staff)

    response = client.post(
        "/portal/me/bind/", {"real_name": "张三", "id_number": id_number("44060519900101123")}
    )

    assert response.status_code == 403
    assert ResidentProfile.objects.count() == 0


@pytest.mark.django_db
def test_home_query_count_does_not_grow_with_the_services(
    client, no_services, django_assert_num_queries
):
    client.force_login(resident(PHONE))
    for i in range(10):
        navigation.add_portal_service(
            navigation.PortalService(f"服务{i}", "说明", "portal:me", "●", i)
        )

    # Session, user, resident profile; then the idle-timeout middleware saves the session
    # (savepoint, update, release).
    with django_assert_num_queries(6):
        response = client.get("/portal/")

    assert response.status_code == 200


# --- client address ----------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=["10.0.0.2"])
def test_sms_limit_per_address_counts_remote_addr_whatever_x_real_ip_says(client, monkeypatch):
    from minzheng.portal import services

    monkeypatch.setattr(services, "HOURLY_LIMIT_PER_IP", 2)
    for i in range(3):
        response = client.post(
            "/portal/login/",
            {"phone": f"1390000{i:04d}"},
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_REAL_IP=f"198.51.100.{i}",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        )

    assert response.status_code == 400
    assert "当前网络获取验证码过于频繁" in response.content.decode()
    assert list(SmsCode.objects.values_list("ip", flat=True)) == ["203.0.113.5"] * 2
    assert set(
        OperationLog.objects.filter(target_type="portal.smscode").values_list("ip", flat=True)
    ) == {"203.0.113.5"}


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=["10.0.0.2"])
def test_sms_code_from_behind_the_trusted_proxy_records_the_forwarded_address(client):
    client.post(
        "/portal/login/", {"phone": PHONE}, REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.5"
    )

    assert list(SmsCode.objects.values_list("ip", flat=True)) == ["203.0.113.5"]


# --- the SMS leaves after the request ----------------------------------------------------


@pytest.mark.django_db
def test_code_request_answers_before_the_sms_is_sent_and_it_goes_out_once(
    client, django_capture_on_commit_callbacks
):
    from minzheng.core.models import OutboundSMS
    from minzheng.core.sms import sms_deliver

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sent = client.post("/portal/login/", {"phone": PHONE})

    # The page has answered; the message waits in the outbox for the commit.
    assert sent.status_code == 302
    assert MemoryBackend.outbox == []
    row = OutboundSMS.objects.get()
    assert (row.status, row.source, row.key) == (
        "pending",
        "portal.login",
        f"portal.smscode:{SmsCode.objects.get().pk}",
    )

    for callback in callbacks:
        callback()
    sms_deliver(message_id=row.pk)  # the task delivered twice

    assert len(MemoryBackend.outbox) == 1 and MemoryBackend.outbox[0][0] == PHONE
    row.refresh_from_db()
    assert (row.status, row.text) == ("sent", "")
