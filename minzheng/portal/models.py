"""Resident accounts (phone verified by SMS) and the SMS login codes.

Neither table holds a phone, ID number or code in plaintext: phones and ID numbers are
encrypted (registry.pii), found through their blind index and shown masked; codes are
kept only as an HMAC, so a copy of the database cannot be used to sign in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minzheng.registry.pii import EncryptedTextField


class ResidentProfile(models.Model):
    """What the platform knows about a resident account.

    The phone is the account's identity (verified by SMS at every sign-in). The ID number
    is bound once by the resident; when the registry holds a person with that number
    (and the same name), the profile points at that person.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.PROTECT,
        related_name="resident_profile",
    )
    phone = EncryptedTextField(_("手机号码"))
    phone_hash = models.CharField(max_length=32, unique=True, editable=False)
    phone_masked = models.CharField(_("手机号码"), max_length=20, editable=False)
    id_number = EncryptedTextField(_("身份证号码"), blank=True)
    id_number_hash = models.CharField(
        max_length=32, null=True, blank=True, unique=True, editable=False
    )
    id_number_masked = models.CharField(_("身份证号码"), max_length=20, blank=True, editable=False)
    real_name = models.CharField(_("姓名"), max_length=40, blank=True)
    bound_at = models.DateTimeField(_("实名绑定时间"), null=True, blank=True)
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("关联登记人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resident_profiles",
    )
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("群众账号")
        verbose_name_plural = _("群众账号")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.phone_masked

    @property
    def is_bound(self) -> bool:
        return bool(self.id_number_hash)


class SmsCode(models.Model):
    """One SMS code sent to a phone. Only the latest unused code of a phone is valid.

    The rows also carry the rate limits (per phone per minute and per day, per client
    address per hour): counting rows keeps the limits exact and auditable without a
    separate counter that could drift.
    """

    class Purpose(models.TextChoices):
        LOGIN = "login", _("登录")

    phone_hash = models.CharField(max_length=32, editable=False)
    code_hash = models.CharField(max_length=64, editable=False)
    purpose = models.CharField(
        _("用途"), max_length=20, choices=Purpose.choices, default=Purpose.LOGIN
    )
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("发送时间"), db_index=True)
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["phone_hash", "purpose", "created_at"], name="smscode_phone_idx"),
            models.Index(fields=["ip", "created_at"], name="smscode_ip_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="smscode_expires_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"
