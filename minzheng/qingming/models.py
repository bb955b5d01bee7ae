"""Qingming tomb-sweeping: cemeteries, seasons, slots, real-name reservations, gate scans,
live counters, 代客祭扫 and 云祭扫.

Capacity and limits are counters taken with one conditional UPDATE inside the transaction
that writes the reservation (services.reservation_create); every counter can be recomputed
from the rows it counts (services.reconcile, `manage.py qingming_reconcile`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minzheng.core.workflow import TransitionLog
from minzheng.registry.pii import EncryptedTextField


class Cemetery(models.Model):
    """A public cemetery the bureau runs the season for. Scope: the division it lies in."""

    scope_field = "division"

    name = models.CharField(_("名称"), max_length=60, unique=True)
    division = models.ForeignKey(
        "core.Division", verbose_name=_("所在区划"), on_delete=models.PROTECT
    )
    address = models.CharField(_("地址"), max_length=120, blank=True)
    max_inside = models.PositiveIntegerField(
        _("园内最大容纳人数"),
        default=5000,
        help_text=_("实时人数超过此数的预警比例见政策参数 qingming_live_warning_ratio。"),
    )
    is_illustrative = models.BooleanField(_("演示数据"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("墓园")
        verbose_name_plural = _("墓园")
        ordering = ["division_id", "name"]

    def __str__(self) -> str:
        return self.name


class Gate(models.Model):
    scope_field = "cemetery__division"

    cemetery = models.ForeignKey(
        Cemetery, verbose_name=_("墓园"), on_delete=models.PROTECT, related_name="gates"
    )
    name = models.CharField(_("名称"), max_length=40)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("出入口")
        verbose_name_plural = _("出入口")
        ordering = ["cemetery_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cemetery", "name"], name="qm_gate_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.cemetery.name} · {self.name}"


class CarPark(models.Model):
    scope_field = "cemetery__division"

    cemetery = models.ForeignKey(
        Cemetery, verbose_name=_("墓园"), on_delete=models.PROTECT, related_name="car_parks"
    )
    name = models.CharField(_("名称"), max_length=40)
    capacity = models.PositiveIntegerField(_("车位数"))

    class Meta:
        verbose_name = _("停车场")
        verbose_name_plural = _("停车场")
        ordering = ["cemetery_id", "id"]

    def __str__(self) -> str:
        return f"{self.cemetery.name} · {self.name}"


class Season(models.Model):
    """One year's Qingming season. Default dates come from the solar term (rules.py)."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    name = models.CharField(_("名称"), max_length=40)
    qingming_at = models.DateTimeField(_("清明节气交节时刻"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    booking_opens_at = models.DateTimeField(_("开放预约时间"))
    is_illustrative = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("祭扫季")
        verbose_name_plural = _("祭扫季")
        ordering = ["-year"]
        permissions = [("export_season_report", _("导出祭扫季统计"))]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="qm_season_dates")
        ]

    def __str__(self) -> str:
        return self.name


class WalkInDay(models.Model):
    """A day on which a cemetery (or every cemetery, when empty) needs no booking."""

    season = models.ForeignKey(
        Season, verbose_name=_("祭扫季"), on_delete=models.PROTECT, related_name="walk_in_days"
    )
    cemetery = models.ForeignKey(
        Cemetery, verbose_name=_("墓园"), null=True, blank=True, on_delete=models.PROTECT
    )
    date = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("免预约日")
        verbose_name_plural = _("免预约日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.cemetery or _('全部墓园')}"


class SlotTemplate(models.Model):
    """The slots a cemetery offers each day of a season; slots are generated from it and
    can then be edited one by one."""

    cemetery = models.ForeignKey(
        Cemetery, verbose_name=_("墓园"), on_delete=models.PROTECT, related_name="slot_templates"
    )
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("可预约人数"))
    car_capacity = models.PositiveIntegerField(_("可预约车位"))

    class Meta:
        verbose_name = _("时段模板")
        verbose_name_plural = _("时段模板")
        ordering = ["cemetery_id", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["cemetery", "starts_at"], name="qm_template_unique"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="qm_template_times"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cemetery.name} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


class Slot(models.Model):
    """A bookable time slot. `booked` (people) and `cars_booked` are taken by one conditional
    UPDATE; the check constraints are the last line should any code path forget."""

    scope_field = "cemetery__division"

    season = models.ForeignKey(
        Season, verbose_name=_("祭扫季"), on_delete=models.PROTECT, related_name="slots"
    )
    cemetery = models.ForeignKey(
        Cemetery, verbose_name=_("墓园"), on_delete=models.PROTECT, related_name="slots"
    )
    date = models.DateField(_("日期"))
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("可预约人数"))
    car_capacity = models.PositiveIntegerField(_("可预约车位"))
    booked = models.PositiveIntegerField(_("已预约人数"), default=0)
    cars_booked = models.PositiveIntegerField(_("已预约车位"), default=0)
    is_open = models.BooleanField(_("开放预约"), default=True)

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        ordering = ["cemetery_id", "date", "starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cemetery", "date", "starts_at"], name="qm_slot_unique"
            ),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="qm_slot_not_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(cars_booked__lte=F("car_capacity")), name="qm_slot_cars_not_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cemetery.name} {self.date} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def cars_remaining(self) -> int:
        return max(0, self.car_capacity - self.cars_booked)


class Reservation(models.Model):
    """A real-name booking for one slot: one visitor's ID number, a party, at most one car."""

    scope_field = "cemetery__division"

    class Status(models.TextChoices):
        BOOKED = "booked", _("待入园")
        CHECKED_IN = "checked_in", _("已入园")
        LEFT = "left", _("已离园")
        CANCELLED = "cancelled", _("已取消")
        NO_SHOW = "no_show", _("未到场")

    class Channel(models.TextChoices):
        ONLINE = "online", _("网上预约")
        COUNTER = "counter", _("窗口代约")
        PHONE = "phone", _("电话代约")

    code = models.CharField(_("预约码"), max_length=20, unique=True)
    short_code = models.CharField(_("核验短码"), max_length=8)
    season = models.ForeignKey(Season, verbose_name=_("祭扫季"), on_delete=models.PROTECT)
    cemetery = models.ForeignKey(Cemetery, verbose_name=_("墓园"), on_delete=models.PROTECT)
    slot = models.ForeignKey(
        Slot, verbose_name=_("时段"), on_delete=models.PROTECT, related_name="reservations"
    )
    visit_date = models.DateField(_("祭扫日期"))
    name = models.CharField(_("姓名"), max_length=40)
    id_number = EncryptedTextField(_("身份证号码"))
    id_number_hash = models.CharField(max_length=32, editable=False)
    id_number_masked = models.CharField(_("身份证号码"), max_length=20, editable=False)
    phone = EncryptedTextField(_("手机号码"))
    phone_hash = models.CharField(max_length=32, editable=False)
    phone_masked = models.CharField(_("手机号码"), max_length=20, editable=False)
    party_size = models.PositiveSmallIntegerField(_("人数"))
    plate = models.CharField(_("车牌号"), max_length=10, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.BOOKED
    )
    channel = models.CharField(
        _("预约渠道"), max_length=10, choices=Channel.choices, default=Channel.ONLINE
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("预约账号"), on_delete=models.PROTECT
    )
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(_("预约时间"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cemetery", "visit_date", "short_code"], name="qm_reservation_short_code"
            ),
            models.UniqueConstraint(
                fields=["booked_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="qm_reservation_idempotency",
            ),
            models.CheckConstraint(
                condition=Q(party_size__gte=1), name="qm_reservation_party_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["id_number_hash", "season"], name="qm_res_id_season_idx"),
            models.Index(fields=["booked_by", "visit_date"], name="qm_res_account_idx"),
            models.Index(fields=["visit_date", "status"], name="qm_res_day_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.short_code} {self.visit_date}"

    @property
    def is_active(self) -> bool:
        return self.status not in (self.Status.CANCELLED,)


class ReservationLog(TransitionLog):
    """One move of a reservation (core.workflow's log; workflows.RESERVATION)."""

    reservation = models.ForeignKey(Reservation, on_delete=models.PROTECT, related_name="logs")
    from_state = models.CharField(
        _("原状态"), max_length=12, choices=Reservation.Status.choices, blank=True
    )
    to_state = models.CharField(_("新状态"), max_length=12, choices=Reservation.Status.choices)

    class Meta:
        verbose_name = _("预约状态记录")
        verbose_name_plural = _("预约状态记录")
        ordering = ["at", "id"]


class IdQuota(models.Model):
    """How many active bookings one ID number holds in a season (`day` empty) or on one day,
    and (season row) how many no-shows it has. Taken with a conditional UPDATE, so the
    limits hold under any concurrency; the unique constraint makes the row single."""

    id_number_hash = models.CharField(max_length=32)
    season = models.ForeignKey(Season, on_delete=models.PROTECT)
    # "" for the season row, else the ISO date: a unique key without NULL semantics.
    day_key = models.CharField(max_length=10, blank=True, default="")
    count = models.PositiveIntegerField(default=0)
    no_shows = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("证件预约计数")
        verbose_name_plural = _("证件预约计数")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash", "season", "day_key"], name="qm_quota_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.season_id} {self.day_key or 'season'}: {self.count}"


class CheckIn(models.Model):
    """One accepted gate scan or walk-in count. The nonce makes a retried scan harmless."""

    scope_field = "cemetery__division"

    class Direction(models.TextChoices):
        IN = "in", _("入园")
        OUT = "out", _("出园")

    class Kind(models.TextChoices):
        BOOKING = "booking", _("预约核验")
        WALK_IN = "walk_in", _("免预约入园")
        GREEN = "green", _("绿色通道")

    nonce = models.CharField(max_length=64, unique=True)
    cemetery = models.ForeignKey(Cemetery, on_delete=models.PROTECT)
    gate = models.ForeignKey(Gate, verbose_name=_("出入口"), on_delete=models.PROTECT)
    reservation = models.ForeignKey(
        Reservation, null=True, blank=True, on_delete=models.PROTECT, related_name="checkins"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    people = models.PositiveIntegerField(_("人数"))
    cars = models.PositiveSmallIntegerField(_("车辆"), default=0)
    is_reentry = models.BooleanField(_("再次入园"), default=False)
    scanned_at = models.DateTimeField(_("扫码时间"))
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("入园核验")
        verbose_name_plural = _("入园核验")
        ordering = ["-scanned_at"]
        indexes = [models.Index(fields=["gate", "scanned_at"], name="qm_checkin_gate_idx")]

    def __str__(self) -> str:
        return f"{self.gate_id} {self.direction} {self.people}"


class GateBucket(models.Model):
    """Counts of one gate in one 15-minute bucket: what the live view and season totals read.

    The `live` fields are kept by the check-in service (F() increments in the scan's
    transaction) and reconciled against CheckIn rows. The `counted` fields are aggregate
    records of counts taken without a scan (turnstile or clicker counts, entered per
    bucket; the 2021 demo season is such records).
    """

    scope_field = "cemetery__division"

    cemetery = models.ForeignKey(Cemetery, on_delete=models.PROTECT)
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT)
    season = models.ForeignKey(Season, on_delete=models.PROTECT)
    starts_at = models.DateTimeField(_("时段开始"))
    arrivals = models.PositiveIntegerField(_("入园人数"), default=0)
    reentries = models.PositiveIntegerField(_("再次入园人数"), default=0)
    departures = models.PositiveIntegerField(_("出园人数"), default=0)
    cars_in = models.PositiveIntegerField(_("入场车辆"), default=0)
    cars_out = models.PositiveIntegerField(_("离场车辆"), default=0)
    green = models.PositiveIntegerField(_("绿色通道人数"), default=0)
    walk_ins = models.PositiveIntegerField(_("免预约入园人数"), default=0)
    counted_arrivals = models.PositiveIntegerField(_("计数入园人数"), default=0)
    counted_departures = models.PositiveIntegerField(_("计数出园人数"), default=0)
    counted_cars_in = models.PositiveIntegerField(_("计数入场车辆"), default=0)
    counted_cars_out = models.PositiveIntegerField(_("计数离场车辆"), default=0)

    class Meta:
        verbose_name = _("出入口15分钟计数")
        verbose_name_plural = _("出入口15分钟计数")
        ordering = ["starts_at", "gate_id"]
        constraints = [
            models.UniqueConstraint(fields=["gate", "starts_at"], name="qm_bucket_unique")
        ]
        indexes = [
            models.Index(fields=["season", "cemetery"], name="qm_bucket_season_idx"),
            models.Index(fields=["cemetery", "starts_at"], name="qm_bucket_cem_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.gate_id} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class ProxySweep(models.Model):
    """代客祭扫: staff sweep a grave on a family's behalf, free or paid by rule, photo sent back."""

    scope_field = "cemetery__division"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        ACCEPTED = "accepted", _("已受理")
        DONE = "done", _("已完成")
        REJECTED = "rejected", _("不予受理")

    cemetery = models.ForeignKey(Cemetery, verbose_name=_("墓园"), on_delete=models.PROTECT)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请账号"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact_name = models.CharField(_("联系人"), max_length=40)
    phone = EncryptedTextField(_("联系电话"))
    phone_masked = models.CharField(_("联系电话"), max_length=20, editable=False)
    deceased_name = models.CharField(_("逝者姓名"), max_length=40)
    grave_location = models.CharField(_("墓位"), max_length=80)
    wish_date = models.DateField(_("希望日期"))
    services = models.CharField(_("服务内容"), max_length=120, default="清洁墓碑、敬献鲜花")
    fee = models.DecimalField(_("费用（元）"), max_digits=8, decimal_places=2)
    fee_rule = models.JSONField(_("收费依据"), default=dict)
    is_paid = models.BooleanField(_("已缴费"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    staff_note = models.CharField(_("办理说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("代客祭扫")
        verbose_name_plural = _("代客祭扫")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.deceased_name} {self.get_status_display()}"


class ProxySweepTransition(TransitionLog):
    """One move of a 代客祭扫 request (core.workflow's log; workflows.PROXY_SWEEP)."""

    sweep = models.ForeignKey(ProxySweep, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField(
        _("原状态"), max_length=10, choices=ProxySweep.Status.choices, blank=True
    )
    to_state = models.CharField(_("新状态"), max_length=10, choices=ProxySweep.Status.choices)

    class Meta:
        verbose_name = _("代客祭扫办理记录")
        verbose_name_plural = _("代客祭扫办理记录")
        ordering = ["sweep_id", "at", "id"]


class Memorial(models.Model):
    """云祭扫: an online memorial page; public once staff approve it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已公开")
        REJECTED = "rejected", _("未通过")

    deceased_name = models.CharField(_("逝者姓名"), max_length=40)
    years = models.CharField(_("生卒年"), max_length=30, blank=True)
    epitaph = models.CharField(_("寄语"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("网上纪念馆")
        verbose_name_plural = _("网上纪念馆")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.deceased_name


class Tribute(models.Model):
    """A flower or a message on a memorial. Messages are public only after moderation;
    flowers carry no text and are shown at once."""

    class Kind(models.TextChoices):
        FLOWER = "flower", _("献花")
        MESSAGE = "message", _("留言")

    memorial = models.ForeignKey(Memorial, on_delete=models.PROTECT, related_name="tributes")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("留言"), max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_label = models.CharField(_("署名"), max_length=40)
    status = models.CharField(
        _("状态"), max_length=10, choices=Memorial.Status.choices, default=Memorial.Status.PENDING
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("献花与留言")
        verbose_name_plural = _("献花与留言")
        ordering = ["-id"]
        indexes = [models.Index(fields=["memorial", "status"], name="qm_tribute_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.memorial_id}"
