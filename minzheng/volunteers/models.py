"""Volunteers, branches, activities (sites, posts, shifts), sign-ups, dispatch plans,
attendance and certificates.

Hours are never typed: a volunteer's hours are the sum of `Attendance.service_minutes`,
which the attendance services compute from check-in/out clipped to the shift.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minzheng.core.models import Division
from minzheng.core.workflow import TransitionLog

ROLE_CHOICES = [(r, r) for r in ("测温", "扫码", "引导", "维持秩序", "登记", "陪伴", "后勤")]


class PartyBranch(models.Model):
    """党支部: the branch a party-member volunteer belongs to."""

    scope_field = "division"

    name = models.CharField(_("支部名称"), max_length=80)
    division = models.ForeignKey(
        Division, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("党支部")
        verbose_name_plural = _("党支部")
        ordering = ["division_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="branch_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    scope_field = "home_division"

    person = models.OneToOneField(
        "registry.Person",
        verbose_name=_("登记人员"),
        on_delete=models.PROTECT,
        related_name="volunteer",
    )
    is_party_member = models.BooleanField(_("党员"), default=False)
    branch = models.ForeignKey(
        PartyBranch,
        verbose_name=_("党支部"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteers",
    )
    skills = models.JSONField(_("技能"), default=list, blank=True)
    home_division = models.ForeignKey(
        Division, verbose_name=_("常住村居"), on_delete=models.PROTECT, related_name="+"
    )
    lat = models.DecimalField(_("纬度"), max_digits=8, decimal_places=5, null=True, blank=True)
    lon = models.DecimalField(_("经度"), max_digits=8, decimal_places=5, null=True, blank=True)
    is_active = models.BooleanField(_("在册"), default=True)
    joined_on = models.DateField(_("注册日期"))
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["id"]
        indexes = [models.Index(fields=["home_division", "id"], name="volunteer_scope_idx")]

    def __str__(self) -> str:
        return self.person.name

    @property
    def home(self) -> tuple[float, float] | None:
        return (
            (float(self.lat), float(self.lon))
            if self.lat is not None and self.lon is not None
            else None
        )


class Certificate(models.Model):
    """A qualification a post may require (e.g. 健康培训, 急救证), valid until `expires_on`."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="certificates")
    name = models.CharField(_("证书"), max_length=40)
    number = models.CharField(_("证书编号"), max_length=40, blank=True)
    expires_on = models.DateField(_("有效期至"))

    class Meta:
        verbose_name = _("资格证书")
        verbose_name_plural = _("资格证书")

    def __str__(self) -> str:
        return f"{self.name} {self.expires_on:%Y-%m-%d}"


class WeeklyAvailability(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="weekly")
    weekday = models.PositiveSmallIntegerField(
        _("星期"),
        choices=[
            (0, _("星期一")),
            (1, _("星期二")),
            (2, _("星期三")),
            (3, _("星期四")),
            (4, _("星期五")),
            (5, _("星期六")),
            (6, _("星期日")),
        ],
    )
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))

    class Meta:
        verbose_name = _("每周可服务时间")
        verbose_name_plural = _("每周可服务时间")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="weekly_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="weekly_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}-{self.end:%H:%M}"


class AvailabilityException(models.Model):
    """A date that differs from the weekly pattern: away all day, or available in a window."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("日期"))
    available = models.BooleanField(_("可服务"), default=False)
    start = models.TimeField(_("开始"), null=True, blank=True)
    end = models.TimeField(_("结束"), null=True, blank=True)

    class Meta:
        verbose_name = _("可服务时间例外")
        verbose_name_plural = _("可服务时间例外")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}"


class Activity(models.Model):
    scope_field = "division"

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        CLOSED = "closed", _("已结束")

    title = models.CharField(_("活动名称"), max_length=120)
    description = models.TextField(_("服务内容"), blank=True)
    division = models.ForeignKey(
        Division, verbose_name=_("发布单位（区划）"), on_delete=models.PROTECT, related_name="+"
    )
    organiser = models.CharField(_("组织单位"), max_length=80)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    auto_approve = models.BooleanField(_("报名自动通过"), default=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("志愿服务活动")
        verbose_name_plural = _("志愿服务活动")
        ordering = ["-id"]
        permissions = [
            ("dispatch_activity", _("调度派岗")),
            ("record_attendance", _("签到签退与考勤更正")),
            ("issue_certificate", _("开具志愿服务记录证明")),
            ("export_volunteers", _("导出志愿服务数据")),
        ]

    def __str__(self) -> str:
        return self.title


class ActivityTransition(TransitionLog):
    """One move of an activity (core.workflow's log; workflows.ACTIVITY)."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField(
        _("原状态"), max_length=10, choices=Activity.Status.choices, blank=True
    )
    to_state = models.CharField(_("新状态"), max_length=10, choices=Activity.Status.choices)

    class Meta:
        verbose_name = _("活动状态记录")
        verbose_name_plural = _("活动状态记录")
        ordering = ["activity_id", "at", "id"]


class Site(models.Model):
    scope_field = "activity__division"

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(_("服务点"), max_length=80)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=8, decimal_places=5, null=True, blank=True)
    lon = models.DecimalField(_("经度"), max_digits=8, decimal_places=5, null=True, blank=True)

    class Meta:
        verbose_name = _("服务点")
        verbose_name_plural = _("服务点")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def point(self) -> tuple[float, float] | None:
        return (
            (float(self.lat), float(self.lon))
            if self.lat is not None and self.lon is not None
            else None
        )


class Post(models.Model):
    """A role at a site (测温 at 罗村 test site), with its requirements."""

    scope_field = "activity__division"

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="posts")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="posts")
    role = models.CharField(_("岗位"), max_length=20, choices=ROLE_CHOICES)
    required_skill = models.CharField(_("需要技能"), max_length=20, blank=True)
    required_certificate = models.CharField(_("需要证书"), max_length=40, blank=True)
    party_only = models.BooleanField(_("仅限党员"), default=False)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["site_id", "id"]

    def __str__(self) -> str:
        return f"{self.site.name} · {self.role}"


class Shift(models.Model):
    """One time slot of a post. `taken` counts confirmed and pending sign-ups (each holds a
    place); it is changed only by conditional UPDATEs in services."""

    scope_field = "post__activity__division"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    needed = models.PositiveIntegerField(_("需要人数"))
    taken = models.PositiveIntegerField(_("已占名额"), default=0)
    is_closed = models.BooleanField(_("停止报名"), default=False)

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_end_after_start"
            ),
            models.CheckConstraint(condition=Q(needed__gte=1), name="shift_needed_positive"),
            models.CheckConstraint(
                condition=Q(taken__lte=F("needed")), name="shift_taken_within_needed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class SignUp(models.Model):
    scope_field = "shift__post__activity__division"

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        CONFIRMED = "confirmed", _("已确认")
        WAITLISTED = "waitlisted", _("候补")
        WITHDRAWN = "withdrawn", _("已退出")
        REJECTED = "rejected", _("未通过")

    class Source(models.TextChoices):
        PORTAL = "portal", _("本人报名")
        DISPATCH = "dispatch", _("调度派岗")

    ACTIVE = (Status.PENDING, Status.CONFIRMED, Status.WAITLISTED)
    HOLDING = (Status.PENDING, Status.CONFIRMED)  # hold a place (count in Shift.taken)

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="signups")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    source = models.CharField(
        _("来源"), max_length=10, choices=Source.choices, default=Source.PORTAL
    )
    preference = models.PositiveSmallIntegerField(
        _("志愿顺序"), default=1, help_text=_("1 = 第一志愿")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "shift"],
                condition=Q(status__in=["pending", "confirmed", "waitlisted"]),
                name="signup_one_active_per_shift",
            ),
        ]
        indexes = [models.Index(fields=["shift", "status", "created_at"], name="signup_queue_idx")]

    def __str__(self) -> str:
        return f"{self.volunteer_id} @ {self.shift_id} {self.status}"


class DispatchPlan(models.Model):
    scope_field = "activity__division"

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        DISCARDED = "discarded", _("已作废")

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="plans")
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    solver_status = models.CharField(_("求解状态"), max_length=12)
    objective = models.JSONField(_("目标值"), default=dict)
    unfilled = models.JSONField(_("未满岗位"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("调度方案")
        verbose_name_plural = _("调度方案")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"


class PlanAssignment(models.Model):
    plan = models.ForeignKey(DispatchPlan, on_delete=models.CASCADE, related_name="assignments")
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="+")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="+")
    fixed = models.BooleanField(_("已确认（固定）"), default=False)
    travel_km = models.DecimalField(_("路程（公里）"), max_digits=7, decimal_places=2, default=0)

    class Meta:
        ordering = ["shift_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "shift", "volunteer"], name="plan_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} @ {self.shift_id}"


class Attendance(models.Model):
    """Check-in/out of one confirmed sign-up. `service_minutes` is derived: the overlap of
    [check-in, check-out] with the shift (service time, not travel); a missing check-out is
    credited to the shift end and flagged."""

    scope_field = "signup__shift__post__activity__division"

    signup = models.OneToOneField(SignUp, on_delete=models.PROTECT, related_name="attendance")
    checked_in_at = models.DateTimeField(_("签到时间"))
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    checkout_missing = models.BooleanField(_("未签退（按班次结束计）"), default=False)
    service_minutes = models.PositiveIntegerField(_("服务时长（分钟）"), default=0)
    method = models.CharField(_("方式"), max_length=20, default="site_qr")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考勤")
        verbose_name_plural = _("考勤")
        ordering = ["checked_in_at"]

    def __str__(self) -> str:
        return f"{self.signup_id} {self.checked_in_at:%Y-%m-%d %H:%M}"


class AttendanceCorrection(models.Model):
    attendance = models.ForeignKey(Attendance, on_delete=models.PROTECT, related_name="corrections")
    old_in = models.DateTimeField()
    old_out = models.DateTimeField(null=True)
    new_in = models.DateTimeField()
    new_out = models.DateTimeField()
    reason = models.CharField(_("更正原因"), max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.attendance_id}: {self.reason}"


class ServiceCertificate(models.Model):
    """志愿服务记录证明: the figures as issued (hours in the period), with a number and a
    random token for the public verification link."""

    scope_field = "volunteer__home_division"

    number = models.CharField(_("证明编号"), max_length=30, unique=True)
    token = models.CharField(max_length=40, unique=True, editable=False)
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="service_certificates"
    )
    period_from = models.DateField(_("起始日期"))
    period_to = models.DateField(_("截止日期"))
    total_minutes = models.PositiveIntegerField(_("服务时长（分钟）"))
    content = models.TextField(_("服务内容"))
    issuer = models.CharField(_("出具单位"), max_length=80)
    issued_on = models.DateField(_("出具日期"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("志愿服务记录证明")
        verbose_name_plural = _("志愿服务记录证明")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.number
