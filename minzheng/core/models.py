"""Core models: divisions, users, policy parameters, operation log, attachments, jobs."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .json_encoder import ReadableJSONEncoder

# Significant digits of a 12-digit statistical division code at each level.
LEVEL_DIGITS = {"province": 2, "city": 4, "district": 6, "town": 9, "community": 12}


class Division(models.Model):
    """An administrative division, keyed by its 12-digit statistical code.

    The code is the primary key, so every foreign key to a division holds the code itself
    and data scope is a range on that column, without a join (see core.scope).
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        DISTRICT = "district", _("区县")
        TOWN = "town", _("镇街")
        COMMUNITY = "community", _("村居")

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=60)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("有效"), default=True)

    scope_field = "code"  # a division is in scope when its own code has the user's prefix

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: LEVEL_DIGITS[self.level]]


class User(AbstractUser):
    """Staff and residents. Staff belong to a division that bounds what they see."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("工作人员")
        RESIDENT = "resident", _("群众")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.STAFF)
    division = models.ForeignKey(
        Division,
        verbose_name=_("所属区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("决定数据范围：只能看到本区划及下级的记录。"),
    )
    display_name = models.CharField(_("姓名"), max_length=40, blank=True)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    # The user's division is their place in the data scope (core.scope), also in the admin.
    scope_field = "division"

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        # The Django admin is for master data: only the roles that keep it may enter.
        # roles.UNLOCK_ACCOUNT: lift a sign-in lockout (system administrators).
        permissions = [
            ("use_admin", _("可进入主数据管理")),
            ("unlock_account", _("解除登录锁定")),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username


class PolicyParameter(models.Model):
    """An effective-dated policy number (低保 standard, multiples, fees, limits …).

    A row applies to one division (and everything under it) or, with no division, to the
    whole district; `valid_to` is exclusive and empty while in force. Look values up with
    core.params.parameter_value, never with literals in code.
    """

    class ValueType(models.TextChoices):
        DECIMAL = "decimal", _("数值")
        INTEGER = "integer", _("整数")
        TEXT = "text", _("文本")
        BOOLEAN = "boolean", _("是/否")

    key = models.SlugField(_("参数键"), max_length=80)
    name = models.CharField(_("名称"), max_length=120)
    division = models.ForeignKey(
        Division,
        verbose_name=_("适用区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("留空表示全区通用。"),
    )
    value = models.CharField(_("取值"), max_length=200)
    value_type = models.CharField(
        _("类型"), max_length=10, choices=ValueType.choices, default=ValueType.DECIMAL
    )
    unit = models.CharField(_("单位"), max_length=30, blank=True)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(
        _("失效日期"), null=True, blank=True, help_text=_("不含当日；留空表示长期有效。")
    )
    source_document = models.CharField(_("依据文件"), max_length=200)
    is_illustrative = models.BooleanField(
        _("示例值"),
        default=False,
        help_text=_("未找到公开依据的示例取值，上线前须按正式文件核定。"),
    )
    note = models.TextField(_("备注"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("政策参数")
        verbose_name_plural = _("政策参数")
        ordering = ["key", "division_id", "-valid_from"]
        indexes = [models.Index(fields=["key", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gt=models.F("valid_from")),
                name="parameter_valid_to_after_from",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} = {self.value}{self.unit}"


class OperationLog(models.Model):
    """Who did what, when, from where. Append-only: no service updates or deletes rows."""

    class Action(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOGOUT = "logout", _("退出")
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("作废")
        EXPORT = "export", _("导出")
        IMPORT = "import", _("导入")
        REVEAL = "reveal", _("查看完整个人信息")
        DOWNLOAD = "download", _("下载附件")
        UNLOCK = "unlock", _("解除登录锁定")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=40, blank=True)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True, encoder=ReadableJSONEncoder)

    class Meta:
        verbose_name = _("操作日志")
        verbose_name_plural = _("操作日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Random names: the original name is kept in a column, never trusted as a path.
    return f"attachments/{instance.uploaded_at:%Y/%m}/{instance.token}{instance.extension}"


class Attachment(models.Model):
    """A file that belongs to a record; served only to users who may see that record."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=40)
    owner = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("材料类型"), max_length=40, blank=True)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    extension = models.CharField(max_length=10)
    content_type_header = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    token = models.CharField(max_length=32, unique=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(_("上传时间"))
    is_void = models.BooleanField(_("已作废"), default=False)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.original_name


class Job(models.Model):
    """Long work run in the background (imports, exports, batches) with its progress."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=40)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    stage = models.CharField(_("阶段"), max_length=40, blank=True)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    params = models.JSONField(default=dict, blank=True, encoder=ReadableJSONEncoder)
    result = models.JSONField(default=dict, blank=True, encoder=ReadableJSONEncoder)
    errors = models.JSONField(default=list, blank=True, encoder=ReadableJSONEncoder)
    input_file = models.FileField(upload_to="jobs/", blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        return (
            int(100 * self.done / self.total)
            if self.total
            else (100 if self.status == self.Status.SUCCEEDED else 0)
        )


class OutboundSMS(models.Model):
    """One text message on its way out (`core.sms.sms_queue`): written in the sender's
    transaction, delivered by a task after the commit, at most once.

    The phone and text are kept only until the message is handled (sent or failed), then
    blanked: a login code must not outlive its sending, and `core` cannot use the
    registry's field encryption (core stands left of registry)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    # "Send this once": a second message with the same key is not queued.
    key = models.CharField(_("幂等键"), max_length=120, null=True, blank=True, unique=True)
    source = models.CharField(_("来源"), max_length=60, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    text = models.TextField(_("内容"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("待发短信")
        verbose_name_plural = _("待发短信")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"SMS #{self.pk} {self.status}"
