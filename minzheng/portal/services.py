"""Writes of the resident portal: SMS sign-in and binding an ID number to an account.

Every service validates first and raises one ValidationError with a field → message map,
so bad input writes nothing; the one deliberate exception is a wrong SMS code, whose
failed attempt must be counted (otherwise the code could be guessed).
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.ratelimit import RateLimit
from minzheng.core.sms import sms_queue
from minzheng.core.validators import name_error
from minzheng.registry import pii, validators
from minzheng.registry import selectors as registry_q

from .models import ResidentProfile, SmsCode

User = get_user_model()

# Security limits, not policy numbers: they protect the SMS budget and make guessing a
# 6-digit code hopeless (5 tries per code, 10 codes per phone per day). The per-address
# and bind-failure limits are `core.ratelimit` counters (settings.RATE_LIMITS may override
# them by name); the per-phone ones count the phone's SmsCode rows under its row lock.
CODE_DIGITS = 6
MAX_ATTEMPTS = 5
RESEND_INTERVAL = dt.timedelta(seconds=60)
DAILY_LIMIT_PER_PHONE = 10
HOURLY_LIMIT_PER_IP = 20
# Failed ID bindings per account per day: a refused name tells the caller that the
# registry holds that number, so probing many numbers must stay slow.
BIND_FAILURE_LIMIT = 5
BIND_FAILURE_WINDOW = 24 * 3600

_CODE_RE = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")
# Input methods may produce full-width digits (１２３); accept what looks right on screen.
_FULL_WIDTH_DIGITS = {0xFF10 + i: 0x30 + i for i in range(10)}


def _address_limit() -> RateLimit:
    return RateLimit("portal.sms.address", rate=(HOURLY_LIMIT_PER_IP, 3600))


def _bind_failure_limit() -> RateLimit:
    return RateLimit("portal.bind.failures", rate=(BIND_FAILURE_LIMIT, BIND_FAILURE_WINDOW))


def _code_hash(*, phone_hash: str, purpose: str, code: str) -> str:
    # Keyed with SECRET_KEY and bound to the phone, so neither a database copy nor a code
    # sent to another phone helps to sign in.
    return salted_hmac(
        "minzheng.portal.SmsCode", f"{purpose}:{phone_hash}:{code}", algorithm="sha256"
    ).hexdigest()


def _mobile_or_error(phone: str) -> str:
    try:
        # Only a mobile can receive the code (validate_mobile refuses landlines clearly).
        return validators.validate_mobile(phone or "")
    except ValidationError as e:
        raise ValidationError({"phone": e.messages}) from None


def _sms_signature() -> str:
    return getattr(settings, "SMS_SIGNATURE", "") or _("南海民政")


def sms_code_request(*, phone: str, ip: str | None) -> None:
    """Send a 6-digit login code to a mobile phone.

    Refused (ValidationError on "phone", nothing written) when the phone is invalid or a
    limit is reached: one code per phone per 60 seconds, 10 per phone per calendar day
    (counted on the phone's SmsCode rows inside the transaction; on PostgreSQL the phone's
    latest row is locked first, so two requests for a phone that already has a code queue
    behind each other, and SQLite serialises all writers anyway), 20 per client address
    per hour (the `core.ratelimit` counter "portal.sms.address").
    The SMS is queued in the transaction and leaves from a task after the commit.
    """
    phone = _mobile_or_error(phone)
    phone_hash = pii.blind_index(phone, kind="phone")
    purpose = SmsCode.Purpose.LOGIN
    now = timezone.now()
    ttl = dt.timedelta(seconds=settings.SMS_CODE_TTL)

    with transaction.atomic():
        mine = SmsCode.objects.filter(phone_hash=phone_hash, purpose=purpose)
        latest = mine.select_for_update().order_by("-created_at", "-id").first()
        if latest is not None and now - latest.created_at < RESEND_INTERVAL:
            wait = int((RESEND_INTERVAL - (now - latest.created_at)).total_seconds()) + 1
            raise ValidationError(
                {"phone": _("验证码已发送，请在 %(seconds)d 秒后再重新获取") % {"seconds": wait}}
            )
        day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        if mine.filter(created_at__gte=day_start).count() >= DAILY_LIMIT_PER_PHONE:
            raise ValidationError(
                {"phone": _("该手机号码今天获取验证码的次数已达上限，请明天再试")}
            )
        # Counted last, so that a request refused for its phone spends nothing of the
        # address's allowance.
        if not _address_limit().hit(ip).allowed:
            raise ValidationError({"phone": _("当前网络获取验证码过于频繁，请 1 小时后再试")})

        code = "".join(secrets.choice("0123456789") for _i in range(CODE_DIGITS))
        row = SmsCode.objects.create(
            phone_hash=phone_hash,
            code_hash=_code_hash(phone_hash=phone_hash, purpose=purpose, code=code),
            purpose=purpose,
            ip=ip or None,
            created_at=now,
            expires_at=now + ttl,
        )
        audit.record(
            actor=None,
            action=audit.Action.CREATE,
            target=row,
            summary="发送登录验证码",
            phone_masked=validators.mask_phone(phone),
        )
        text = _(
            "【%(signature)s】您的登录验证码是 %(code)s，%(minutes)d分钟内有效。如非本人操作请忽略。"
        ) % {
            "signature": _sms_signature(),
            "code": code,
            "minutes": max(1, settings.SMS_CODE_TTL // 60),
        }
        # Queued in this transaction and sent by a task after the commit; the outbox row
        # holds the text (the code) only until it is sent, and a failed send is retried
        # by asking for a new code, never by sending this one again.
        sms_queue(phone=phone, text=text, source="portal.login", key=f"portal.smscode:{row.pk}")


def _resident_create(*, phone: str, phone_hash: str) -> ResidentProfile:
    user = User(
        username=f"r-{secrets.token_hex(6)}",
        kind=User.Kind.RESIDENT,
        display_name=validators.mask_phone(phone),
        is_staff=False,
    )
    # Residents sign in by SMS only; a password would be a second, weaker way in.
    user.set_unusable_password()
    user.save()
    profile = ResidentProfile.objects.create(
        user=user, phone=phone, phone_hash=phone_hash, phone_masked=validators.mask_phone(phone)
    )
    audit.record(actor=user, action=audit.Action.CREATE, target=profile, summary="群众账号注册")
    return profile


def sms_code_verify_and_login(*, phone: str, code: str):
    """Check the latest code sent to the phone and return its resident account, creating
    the account (User + ResidentProfile) on the first sign-in.

    Only the phone's latest unused code counts, and it can be checked MAX_ATTEMPTS times.
    Each check first takes one attempt with a conditional UPDATE (attempts < MAX_ATTEMPTS),
    committed before the code is compared: concurrent guesses queue on that row, so at most
    MAX_ATTEMPTS of them are ever compared and the rest are refused unread. A wrong code's
    attempt stays counted although the call fails. The code is consumed with a second
    conditional UPDATE, so it signs in at most once. The caller logs the user in
    (django.contrib.auth.login).
    """
    phone = _mobile_or_error(phone)
    code = "".join((code or "").translate(_FULL_WIDTH_DIGITS).split())
    if not _CODE_RE.fullmatch(code):
        raise ValidationError({"code": _("请输入短信中的 6 位数字验证码")})
    phone_hash = pii.blind_index(phone, kind="phone")
    purpose = SmsCode.Purpose.LOGIN
    now = timezone.now()

    latest = (
        SmsCode.objects.filter(phone_hash=phone_hash, purpose=purpose)
        .order_by("-created_at", "-id")
        .first()
    )
    too_many = _("尝试次数过多，请重新获取验证码")
    if latest is None or latest.used_at is not None:
        raise ValidationError({"code": _("请先获取验证码")})
    if latest.attempts >= MAX_ATTEMPTS:
        raise ValidationError({"code": too_many})
    if latest.expires_at <= now:
        raise ValidationError({"code": _("验证码已过期，请重新获取")})

    # The row read above may be stale by now: only the UPDATE decides whether this request
    # may compare. Inside the transaction the row stays locked, so reading it back gives
    # this request's own attempt number.
    with transaction.atomic():
        mine = SmsCode.objects.filter(pk=latest.pk)
        taken = mine.filter(used_at__isnull=True, attempts__lt=MAX_ATTEMPTS).update(
            attempts=F("attempts") + 1
        )
        attempts, used_at = mine.values_list("attempts", "used_at").get()
    if not taken:
        raise ValidationError({"code": _("验证码已失效，请重新获取") if used_at else too_many})

    expected = _code_hash(phone_hash=phone_hash, purpose=purpose, code=code)
    if not hmac.compare_digest(latest.code_hash, expected):
        audit.record(
            actor=None,
            action=audit.Action.LOGIN_FAILED,
            summary="短信验证码错误",
            target_type=SmsCode._meta.label_lower,
            target_id=latest.pk,
            phone_masked=validators.mask_phone(phone),
        )
        left = MAX_ATTEMPTS - attempts
        if left <= 0:
            raise ValidationError({"code": _("验证码错误，尝试次数过多，请重新获取验证码")})
        raise ValidationError({"code": _("验证码错误，还可以再试 %(count)d 次") % {"count": left}})

    profile = ResidentProfile.objects.select_related("user").filter(phone_hash=phone_hash).first()
    if profile is not None and not profile.user.is_active:
        raise ValidationError({"phone": _("该账号已停用，如有疑问请到服务窗口咨询")})

    with transaction.atomic():
        # The attempt was taken above; a code checked right on its last attempt still counts.
        consumed = SmsCode.objects.filter(
            pk=latest.pk, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if not consumed:  # a concurrent request used it first
            raise ValidationError({"code": _("验证码已失效，请重新获取")})
        if profile is None:
            try:
                with transaction.atomic():
                    profile = _resident_create(phone=phone, phone_hash=phone_hash)
            except IntegrityError:
                # Another code of the same phone created the account a moment ago.
                profile = ResidentProfile.objects.select_related("user").get(phone_hash=phone_hash)
    return profile.user


def _bind_refused(
    *, user, profile: ResidentProfile, errors: dict[str, str], summary: str
) -> ValidationError:
    """Count and log a refused bind; returns the error for the caller to raise."""
    _bind_failure_limit().hit(user.pk)
    audit.record(actor=user, action=audit.Action.UPDATE, target=profile, summary=summary)
    return ValidationError(errors)


def resident_bind_id_number(*, user, real_name: str, id_number: str) -> ResidentProfile:
    """Bind the resident's real name and ID number to the account, once.

    Refused when the account already has one (changes go through a service window, where
    a person checks the card), when another account holds the number, or when the
    registry knows the number under another name. A matching registry person is linked.
    A unique constraint on the hash backs the "one account per number" rule.
    """
    profile = (
        ResidentProfile.objects.filter(user=user).first() if getattr(user, "pk", None) else None
    )
    if profile is None or user.kind != User.Kind.RESIDENT:
        raise ValidationError({NON_FIELD_ERRORS: _("只有群众账号可以绑定身份证号码")})
    already_bound = _("身份证号码已绑定，如需更改请到服务窗口办理")
    if profile.id_number_hash:
        raise ValidationError({"id_number": already_bound})
    if not _bind_failure_limit().check(user.pk).allowed:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("今天核验失败次数过多，请明天再试或到服务窗口办理")}
        )

    errors: dict[str, str] = {}
    name = " ".join((real_name or "").split())
    if not name:
        errors["real_name"] = _("请填写姓名")
    elif len(name) > 40:
        errors["real_name"] = _("姓名不能超过 40 个字")
    elif name_error(name):
        errors["real_name"] = name_error(name)
    info = None
    try:
        info = validators.parse_id_number(id_number or "")
    except ValidationError as e:
        errors["id_number"] = e.messages[0]
    if errors:
        raise ValidationError(errors)

    id_hash = pii.blind_index(info.number, kind="id")
    taken_elsewhere = _("该身份证号码已绑定其他账号，如有疑问请到服务窗口办理")
    if ResidentProfile.objects.filter(id_number_hash=id_hash).exclude(pk=profile.pk).exists():
        raise _bind_refused(
            user=user,
            profile=profile,
            errors={"id_number": taken_elsewhere},
            summary="实名绑定失败：号码已被其他账号绑定",
        )
    person = registry_q.person_by_id_number(info.number)
    if person is not None and " ".join(person.name.split()) != name:
        raise _bind_refused(
            user=user,
            profile=profile,
            errors={"real_name": _("姓名与身份证号码登记信息不一致")},
            summary="实名绑定失败：姓名与登记信息不一致",
        )

    try:
        with transaction.atomic():
            locked = ResidentProfile.objects.select_for_update().get(pk=profile.pk)
            if locked.id_number_hash:  # a concurrent bind of this account won
                raise ValidationError({"id_number": already_bound})
            locked.real_name = name
            locked.id_number = info.number
            locked.id_number_hash = id_hash
            locked.id_number_masked = validators.mask_id_number(info.number)
            locked.person = person
            locked.bound_at = timezone.now()
            locked.save(
                update_fields=[
                    "real_name",
                    "id_number",
                    "id_number_hash",
                    "id_number_masked",
                    "person",
                    "bound_at",
                ]
            )
            audit.record(
                actor=user,
                action=audit.Action.UPDATE,
                target=locked,
                summary="实名绑定身份证号码",
                id_number_masked=locked.id_number_masked,
                person_id=person.pk if person else None,
            )
    except IntegrityError:  # another account bound the same number a moment ago
        raise ValidationError({"id_number": taken_elsewhere}) from None
    return locked


def resident_person_ensure(*, user, residence_division_code: str = ""):
    """The registry person of a bound resident, created in the same flow when the registry
    does not know the number yet (`registry.services.person_register_self`, with the name
    and number bound to the account and its verified phone), or linked when the number was
    registered after the binding. The caller holds the transaction when it writes more."""
    from minzheng.registry import services as registry_services
    from minzheng.registry.models import Person

    profile = ResidentProfile.objects.filter(user=user).first()
    if profile is None or not profile.is_bound:
        raise ValidationError({"person": _("请先在“我的”中完成实名绑定。")})
    if profile.person_id:
        return profile.person
    with transaction.atomic():
        person = Person.objects.filter(id_number_hash=profile.id_number_hash).first()
        if person is not None and person.name != profile.real_name:
            raise ValidationError(
                {"person": _("民政登记的姓名与您绑定的姓名不一致，请携带身份证到服务窗口办理。")}
            )
        if person is None:
            try:
                person = registry_services.person_register_self(
                    resident=user,
                    data=registry_services.PersonInput(
                        name=profile.real_name,
                        id_number=profile.id_number,
                        phone=profile.phone,
                        residence_division_code=residence_division_code,
                    ),
                )
            except ValidationError as exc:
                errors = exc.message_dict
                if "residence_division" in errors:
                    errors["home_division"] = errors.pop("residence_division")
                raise ValidationError(errors) from None
        ResidentProfile.objects.filter(pk=profile.pk).update(person=person)
        audit.record(actor=user, action=audit.Action.UPDATE, target=profile, summary="关联民政登记")
    return person
