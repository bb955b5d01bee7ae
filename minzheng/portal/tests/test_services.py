import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.utils import timezone

from minzheng.core.models import Division, OperationLog
from minzheng.core.sms import MemoryBackend
from minzheng.portal import services
from minzheng.portal.models import ResidentProfile, SmsCode
from minzheng.registry import pii
from minzheng.registry.models import Person

from .factories import id_number, phone_hash, resident

User = get_user_model()
PHONE = "13812345678"
ID_NUMBER = id_number("44060519900101123")  # male, born 1990-01-01


def _request(phone=PHONE, ip=None, *, capture):
    with capture(execute=True):
        services.sms_code_request(phone=phone, ip=ip)


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def _backdate_codes(seconds: int) -> None:
    SmsCode.objects.update(
        created_at=F("created_at") - dt.timedelta(seconds=seconds),
        expires_at=F("expires_at") - dt.timedelta(seconds=seconds),
    )


# --- requesting a code -------------------------------------------------------------------


@pytest.mark.django_db
def test_code_request_sends_the_code_by_sms_and_stores_only_its_hash(
    django_capture_on_commit_callbacks, last_code
):
    _request(" 138 1234 5678 ", ip="10.0.0.1", capture=django_capture_on_commit_callbacks)

    code = last_code()
    assert MemoryBackend.outbox == [
        (PHONE, f"【南海民政】您的登录验证码是 {code}，5分钟内有效。如非本人操作请忽略。")
    ]
    row = SmsCode.objects.get()
    assert row.phone_hash == phone_hash(PHONE)
    assert row.purpose == "login"
    assert row.ip == "10.0.0.1"
    assert row.attempts == 0
    assert row.used_at is None
    assert row.expires_at - row.created_at == dt.timedelta(seconds=300)
    assert len(row.code_hash) == 64
    assert code not in row.code_hash


@pytest.mark.django_db
def test_code_is_not_stored_in_plaintext(django_capture_on_commit_callbacks, last_code):
    _request(capture=django_capture_on_commit_callbacks)
    code = last_code()

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {SmsCode._meta.db_table}")
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()

    assert len(rows) == 1
    stored = dict(zip(columns, (str(v) for v in rows[0]), strict=True))
    # Timestamps are left out: their microseconds could be any six digits.
    text = " ".join(
        v for c, v in stored.items() if c not in ("created_at", "expires_at", "used_at")
    )
    assert code not in text
    assert PHONE not in " ".join(stored.values())


@pytest.mark.django_db
def test_invalid_phone_is_refused_and_nothing_is_written(django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError) as excinfo:
        _request("12345678901", capture=django_capture_on_commit_callbacks)

    assert _errors(excinfo) == {"phone": ["手机号码应为 11 位数字，并以 13–19 开头"]}
    assert SmsCode.objects.count() == 0
    assert MemoryBackend.outbox == []


@pytest.mark.django_db
def test_landline_is_refused_because_it_cannot_receive_an_sms(django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError) as excinfo:
        _request("0757-86282222", capture=django_capture_on_commit_callbacks)

    assert _errors(excinfo) == {"phone": ["请填写 11 位手机号码，以便接收短信"]}
    assert SmsCode.objects.count() == 0


@pytest.mark.django_db
def test_second_request_within_60_seconds_is_refused(django_capture_on_commit_callbacks):
    _request(capture=django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError) as excinfo:
        _request(capture=django_capture_on_commit_callbacks)

    message = _errors(excinfo)["phone"][0]
    assert message.startswith("验证码已发送，请在 ")
    assert message.endswith(" 秒后再重新获取")
    assert SmsCode.objects.count() == 1
    assert len(MemoryBackend.outbox) == 1


@pytest.mark.django_db
def test_request_after_60_seconds_sends_a_new_code(django_capture_on_commit_callbacks):
    _request(capture=django_capture_on_commit_callbacks)
    _backdate_codes(61)

    _request(capture=django_capture_on_commit_callbacks)

    assert SmsCode.objects.count() == 2
    assert len(MemoryBackend.outbox) == 2


@pytest.mark.django_db
def test_eleventh_code_of_the_day_is_refused(django_capture_on_commit_callbacks, monkeypatch):
    # Given ten codes sent this morning, five minutes apart
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    for i in range(10):
        at = noon - dt.timedelta(minutes=5 * (10 - i))
        SmsCode.objects.create(
            phone_hash=phone_hash(PHONE),
            code_hash="x" * 64,
            created_at=at,
            expires_at=at + dt.timedelta(minutes=5),
        )
    monkeypatch.setattr(timezone, "now", lambda: noon)

    with pytest.raises(ValidationError) as excinfo:
        _request(capture=django_capture_on_commit_callbacks)

    assert _errors(excinfo) == {"phone": ["该手机号码今天获取验证码的次数已达上限，请明天再试"]}
    assert SmsCode.objects.count() == 10
    assert MemoryBackend.outbox == []


@pytest.mark.django_db
def test_codes_sent_yesterday_do_not_count_towards_todays_limit(
    django_capture_on_commit_callbacks, monkeypatch
):
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    for i in range(10):
        at = noon - dt.timedelta(days=1, minutes=i)
        SmsCode.objects.create(
            phone_hash=phone_hash(PHONE),
            code_hash="x" * 64,
            created_at=at,
            expires_at=at + dt.timedelta(minutes=5),
        )
    monkeypatch.setattr(timezone, "now", lambda: noon)

    _request(capture=django_capture_on_commit_callbacks)

    assert SmsCode.objects.count() == 11
    assert len(MemoryBackend.outbox) == 1


@pytest.mark.django_db
def test_twenty_first_code_from_one_address_within_an_hour_is_refused(
    django_capture_on_commit_callbacks,
):
    for i in range(20):
        _request(f"1390000{i:04d}", ip="203.0.113.7", capture=django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError) as excinfo:
        _request("13900009999", ip="203.0.113.7", capture=django_capture_on_commit_callbacks)

    assert _errors(excinfo) == {"phone": ["当前网络获取验证码过于频繁，请 1 小时后再试"]}
    assert SmsCode.objects.count() == 20
    assert len(MemoryBackend.outbox) == 20
    # Another address is not affected.
    _request("13900009999", ip="203.0.113.8", capture=django_capture_on_commit_callbacks)
    assert SmsCode.objects.count() == 21


# --- verifying a code --------------------------------------------------------------------


@pytest.mark.django_db
def test_first_sign_in_creates_a_resident_account(django_capture_on_commit_callbacks, last_code):
    _request(capture=django_capture_on_commit_callbacks)

    user = services.sms_code_verify_and_login(phone=PHONE, code=last_code())

    assert user.kind == "resident"
    assert user.username.startswith("r-")
    assert len(user.username) == 14
    assert user.has_usable_password() is False
    assert user.is_staff is False
    assert user.is_superuser is False
    assert user.division_id is None
    profile = ResidentProfile.objects.get(user=user)
    assert profile.phone == PHONE
    assert profile.phone_hash == phone_hash(PHONE)
    assert profile.phone_masked == "138****5678"
    assert profile.id_number_hash is None
    assert profile.person is None
    assert SmsCode.objects.get().used_at is not None
    assert (
        OperationLog.objects.filter(action="create", target_type="portal.residentprofile").count()
        == 1
    )


@pytest.mark.django_db
def test_next_sign_in_returns_the_same_account(django_capture_on_commit_callbacks, last_code):
    first = resident(PHONE)
    _backdate_codes(61)
    _request(capture=django_capture_on_commit_callbacks)

    again = services.sms_code_verify_and_login(phone="+86 138 1234 5678", code=last_code())

    assert again.pk == first.pk
    assert User.objects.count() == 1
    assert ResidentProfile.objects.count() == 1


@pytest.mark.django_db
def test_code_works_only_once(django_capture_on_commit_callbacks, last_code):
    _request(capture=django_capture_on_commit_callbacks)
    code = last_code()
    services.sms_code_verify_and_login(phone=PHONE, code=code)

    with pytest.raises(ValidationError) as excinfo:
        services.sms_code_verify_and_login(phone=PHONE, code=code)

    assert _errors(excinfo) == {"code": ["请先获取验证码"]}


@pytest.mark.django_db
def test_wrong_code_adds_an_attempt_and_writes_no_user(
    django_capture_on_commit_callbacks, last_code
):
    _request(capture=django_capture_on_commit_callbacks)
    wrong = "000000" if last_code() != "000000" else "111111"

    with pytest.raises(ValidationError) as excinfo:
        services.sms_code_verify_and_login(phone=PHONE, code=wrong)

    assert _errors(excinfo) == {"code": ["验证码错误，还可以再试 4 次"]}
    assert SmsCode.objects.get().attempts == 1
    assert SmsCode.objects.get().used_at is None
    assert User.objects.count() == 0
    assert ResidentProfile.objects.count() == 0
    assert OperationLog.objects.filter(action="login_failed").count() == 1


@pytest.mark.django_db
def test_sixth_attempt_is_refused_even_with_the_right_code(
    django_capture_on_commit_callbacks, last_code
):
    _request(capture=django_capture_on_commit_callbacks)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    messages = []
    for _i in range(5):
        with pytest.raises(ValidationError) as excinfo:
            services.sms_code_verify_and_login(phone=PHONE, code=wrong)
        messages.append(_errors(excinfo)["code"][0])

    with pytest.raises(ValidationError) as excinfo:
        services.sms_code_verify_and_login(phone=PHONE, code=code)

    assert messages == [
        "验证码错误，还可以再试 4 次",
        "验证码错误，还可以再试 3 次",
        "验证码错误，还可以再试 2 次",
        "验证码错误，还可以再试 1 次",
        "验证码错误，尝试次数过多，请重新获取验证码",
    ]
    assert _errors(excinfo) == {"code": ["尝试次数过多，请重新获取验证码"]}
    assert SmsCode.objects.get().attempts == 5
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_expired_code_is_refused(django_capture_on_commit_callbacks, last_code):
    _request(capture=django_capture_on_commit_callbacks)
    SmsCode.objects.update(
        expires_at=timezone.now() - dt.timedelta(seconds=1),
        created_at=timezone.now() - dt.timedelta(seconds=301),
    )

    with pytest.raises(ValidationError) as excinfo:
        services.sms_code_verify_and_login(phone=PHONE, code=last_code())

    assert _errors(excinfo) == {"code": ["验证码已过期，请重新获取"]}
    assert SmsCode.objects.get().used_at is None
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_only_the_latest_code_is_valid(django_capture_on_commit_callbacks, last_code):
    _request(capture=django_capture_on_commit_callbacks)
    old = last_code()
    _backdate_codes(61)
    _request(capture=django_capture_on_commit_callbacks)
    new = last_code()
    if old == new:  # one chance in a million; nothing to check then
        return

    with pytest.raises(ValidationError):
        services.sms_code_verify_and_login(phone=PHONE, code=old)
    user = services.sms_code_verify_and_login(phone=PHONE, code=new)

    assert user.kind == "resident"


@pytest.mark.django_db
def test_code_for_another_phone_does_not_sign_in(django_capture_on_commit_callbacks, last_code):
    _request(capture=django_capture_on_commit_callbacks)
    code = last_code()

    with pytest.raises(ValidationError) as excinfo:
        services.sms_code_verify_and_login(phone="13900000000", code=code)

    assert _errors(excinfo) == {"code": ["请先获取验证码"]}
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_malformed_code_is_refused_without_counting_an_attempt(django_capture_on_commit_callbacks):
    _request(capture=django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError) as excinfo:
        services.sms_code_verify_and_login(phone=PHONE, code="12ab")

    assert _errors(excinfo) == {"code": ["请输入短信中的 6 位数字验证码"]}
    assert SmsCode.objects.get().attempts == 0


@pytest.mark.django_db
def test_full_width_digits_are_accepted(django_capture_on_commit_callbacks, last_code):
    _request(capture=django_capture_on_commit_callbacks)
    full_width = last_code().translate({0x30 + i: 0xFF10 + i for i in range(10)})

    user = services.sms_code_verify_and_login(phone=PHONE, code=full_width)

    assert user.kind == "resident"


@pytest.mark.django_db
def test_disabled_account_cannot_sign_in(django_capture_on_commit_callbacks, last_code):
    user = resident(PHONE)
    User.objects.filter(pk=user.pk).update(is_active=False)
    _backdate_codes(61)
    _request(capture=django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError) as excinfo:
        services.sms_code_verify_and_login(phone=PHONE, code=last_code())

    assert _errors(excinfo) == {"phone": ["该账号已停用，如有疑问请到服务窗口咨询"]}
    assert SmsCode.objects.filter(used_at__isnull=False).count() == 1  # only the first sign-in's


@pytest.mark.django_db
def test_phone_is_not_stored_in_plaintext_in_the_profile_tables():
    resident(PHONE)

    dump = []
    with connection.cursor() as cursor:
        for model in (ResidentProfile, ResidentProfile.history.model):
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")
            dump.extend(str(value) for row in cursor.fetchall() for value in row)

    text = " ".join(dump)
    assert len(dump) > 0
    assert PHONE not in text
    assert "138****5678" in text


# --- binding an ID number -------------------------------------------------------------


def _district() -> Division:
    division, _created = Division.objects.get_or_create(
        code="440605000000", defaults={"name": "南海区", "level": Division.Level.DISTRICT}
    )
    return division


@pytest.mark.django_db
def test_bind_stores_the_number_encrypted_hashed_and_masked():
    user = resident()

    profile = services.resident_bind_id_number(
        user=user, real_name=" 张三 ", id_number=ID_NUMBER.lower()
    )

    profile.refresh_from_db()
    assert profile.real_name == "张三"
    assert profile.id_number == ID_NUMBER
    assert profile.id_number_hash == pii.blind_index(ID_NUMBER, kind="id")
    assert profile.id_number_masked == ID_NUMBER[:4] + "**********" + ID_NUMBER[-4:]
    assert profile.bound_at is not None
    assert profile.person is None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number FROM {ResidentProfile._meta.db_table}")
        (stored,) = cursor.fetchone()
    assert ID_NUMBER not in stored
    assert OperationLog.objects.filter(action="update", summary="实名绑定身份证号码").count() == 1


@pytest.mark.django_db
def test_bind_links_the_registry_person_with_that_number():
    person = Person.objects.create(
        name="张三",
        id_number=ID_NUMBER,
        id_number_hash=pii.blind_index(ID_NUMBER, kind="id"),
        residence_division=_district(),
    )
    user = resident()

    profile = services.resident_bind_id_number(user=user, real_name="张三", id_number=ID_NUMBER)

    assert profile.person_id == person.pk
    assert ResidentProfile.objects.get(pk=profile.pk).person_id == person.pk


@pytest.mark.django_db
def test_bind_with_a_name_other_than_the_registry_one_is_refused():
    Person.objects.create(
        name="张三",
        id_number=ID_NUMBER,
        id_number_hash=pii.blind_index(ID_NUMBER, kind="id"),
        residence_division=_district(),
    )
    user = resident()

    with pytest.raises(ValidationError) as excinfo:
        services.resident_bind_id_number(user=user, real_name="李四", id_number=ID_NUMBER)

    assert _errors(excinfo) == {"real_name": ["姓名与身份证号码登记信息不一致"]}
    profile = ResidentProfile.objects.get(user=user)
    assert profile.id_number_hash is None
    assert profile.id_number == ""
    assert profile.real_name == ""
    assert list(
        OperationLog.objects.filter(user=user, action="update").values_list("summary", flat=True)
    ) == ["实名绑定失败：姓名与登记信息不一致"]


@pytest.mark.django_db
def test_bind_with_an_invalid_number_is_refused_and_nothing_is_written():
    user = resident()
    logs_before = OperationLog.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        services.resident_bind_id_number(
            user=user,
            real_name="张三",
            id_number=ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1"),
        )

    assert _errors(excinfo) == {"id_number": ["身份证号码校验位不正确，请核对后重新输入"]}
    profile = ResidentProfile.objects.get(user=user)
    assert (
        profile.id_number,
        profile.id_number_hash,
        profile.id_number_masked,
        profile.real_name,
    ) == ("", None, "", "")
    assert profile.bound_at is None
    assert OperationLog.objects.count() == logs_before
    assert ResidentProfile.history.filter(id=profile.pk).count() == 1  # only the creation


@pytest.mark.django_db
def test_bind_without_a_name_is_refused():
    user = resident()

    with pytest.raises(ValidationError) as excinfo:
        services.resident_bind_id_number(user=user, real_name="  ", id_number=ID_NUMBER)

    assert _errors(excinfo) == {"real_name": ["请填写姓名"]}


@pytest.mark.django_db
def test_second_bind_is_refused():
    user = resident()
    services.resident_bind_id_number(user=user, real_name="张三", id_number=ID_NUMBER)
    other = id_number("44060519851231004")

    with pytest.raises(ValidationError) as excinfo:
        services.resident_bind_id_number(user=user, real_name="张三", id_number=other)

    assert _errors(excinfo) == {"id_number": ["身份证号码已绑定，如需更改请到服务窗口办理"]}
    assert ResidentProfile.objects.get(user=user).id_number == ID_NUMBER


@pytest.mark.django_db
def test_number_bound_to_another_account_is_refused(django_capture_on_commit_callbacks):
    first = resident("13812345678")
    services.resident_bind_id_number(user=first, real_name="张三", id_number=ID_NUMBER)
    second = resident("13987654321")

    with pytest.raises(ValidationError) as excinfo:
        services.resident_bind_id_number(user=second, real_name="张三", id_number=ID_NUMBER)

    assert _errors(excinfo) == {
        "id_number": ["该身份证号码已绑定其他账号，如有疑问请到服务窗口办理"]
    }
    assert ResidentProfile.objects.get(user=second).id_number_hash is None


@pytest.mark.django_db
def test_repeated_failed_binds_are_slowed_down():
    Person.objects.create(
        name="张三",
        id_number=ID_NUMBER,
        id_number_hash=pii.blind_index(ID_NUMBER, kind="id"),
        residence_division=_district(),
    )
    user = resident()
    for _i in range(5):
        with pytest.raises(ValidationError):
            services.resident_bind_id_number(user=user, real_name="李四", id_number=ID_NUMBER)

    with pytest.raises(ValidationError) as excinfo:
        services.resident_bind_id_number(user=user, real_name="张三", id_number=ID_NUMBER)

    assert _errors(excinfo) == {"__all__": ["今天核验失败次数过多，请明天再试或到服务窗口办理"]}
    assert ResidentProfile.objects.get(user=user).id_number_hash is None


@pytest.mark.django_db
def test_staff_account_cannot_bind():
    staff = User.objects.create_user(username="worker", password="x-Long-pass-123", kind="staff")

    with pytest.raises(ValidationError) as excinfo:
        services.resident_bind_id_number(user=staff, real_name="张三", id_number=ID_NUMBER)

    assert _errors(excinfo) == {"__all__": ["只有群众账号可以绑定身份证号码"]}
    assert ResidentProfile.objects.count() == 0
