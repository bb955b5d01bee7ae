"""Rescue station: found persons (cases), their stay, missing-person reports, match
candidates with staff decisions, public notices and returns home."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minzheng.core.district import district_code
from minzheng.core.models import Division
from minzheng.core.workflow import TransitionLog
from minzheng.registry.models import Sex  # noqa: F401 — the one M/F choice set, re-exported for this app
from minzheng.registry.pii import EncryptedTextField


class Station(models.Model):
    """A rescue station (救助管理站); its division scopes every case it takes in."""

    name = models.CharField(_("站名"), max_length=80, unique=True)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("值班电话"), max_length=30, blank=True)

    scope_field = "division"

    class Meta:
        verbose_name = _("救助管理站")
        verbose_name_plural = _("救助管理站")

    def __str__(self) -> str:
        return self.name


class CaseState(models.TextChoices):
    CHECKED_IN = "checked_in", _("在站")
    CHECKED_OUT = "checked_out", _("已离站")
    TRANSFERRED = "transferred", _("已转介")
    TO_RETURN = "to_return", _("待送返")
    RETURNED = "returned", _("已送返结案")


class BroughtBy(models.TextChoices):
    POLICE = "police", _("公安")
    CITY_MANAGEMENT = "city", _("城管")
    SELF = "self", _("自行求助")
    OTHER = "other", _("其他")


class Case(models.Model):
    """A found person taken in by a station (受助人员)."""

    station = models.ForeignKey(
        Station, verbose_name=_("救助站"), on_delete=models.PROTECT, related_name="cases"
    )
    division = models.ForeignKey(
        Division, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("编号"), max_length=20, unique=True)
    found_date = models.DateField(_("发现日期"))
    found_place = models.CharField(_("发现地点"), max_length=200)
    found_division = models.ForeignKey(
        Division,
        verbose_name=_("发现地区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    brought_by = models.CharField(_("送站方式"), max_length=10, choices=BroughtBy.choices)
    told_name = models.CharField(
        _("自述姓名"), max_length=40, blank=True, help_text=_("按听到的写，可为空。")
    )
    told_place = models.CharField(_("自述住址/籍贯"), max_length=200, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    age_min = models.PositiveSmallIntegerField(_("估计年龄（下限）"))
    age_max = models.PositiveSmallIntegerField(_("估计年龄（上限）"))
    dialect = models.CharField(_("口音/语言"), max_length=20, blank=True)
    height_cm = models.PositiveSmallIntegerField(_("身高（厘米）"), null=True, blank=True)
    build = models.CharField(_("体型"), max_length=40, blank=True)
    marks = models.CharField(
        _("体貌特征"), max_length=200, blank=True, help_text=_("痣、疤、胎记等")
    )
    clothing = models.CharField(_("衣着"), max_length=200, blank=True)
    health_state = models.TextField(_("健康状况"), blank=True)
    mental_state = models.TextField(_("精神状况"), blank=True)
    belongings = models.TextField(_("随身物品"), blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=CaseState.choices, default=CaseState.CHECKED_IN
    )
    fingerprint_done = models.BooleanField(_("已采集指纹"), default=False)
    fingerprint_ref = models.CharField(_("指纹比对编号"), max_length=60, blank=True)
    dna_done = models.BooleanField(_("已采集DNA"), default=False)
    dna_ref = models.CharField(_("DNA比对编号"), max_length=60, blank=True)
    confirmed_report = models.ForeignKey(
        "MissingReport",
        verbose_name=_("确认的寻亲登记"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    intake_at = models.DateTimeField(_("入站时间"))
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    # Matching runs after each change, in the background: asked for at, last done at. The
    # page says "still matching" while the last request is newer than the last run.
    match_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    matched_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    scope_field = "division"

    class Meta:
        verbose_name = _("受助人员")
        verbose_name_plural = _("受助人员")
        ordering = ["-found_date", "-id"]
        indexes = [models.Index(fields=["division", "state"]), models.Index(fields=["found_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_min__lte=models.F("age_max")), name="rescue_case_age_range"
            )
        ]
        permissions = [
            ("decide_match", _("确认或排除比对结果")),
            ("export_rescue", _("导出救助统计")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.told_name or _('无名氏')}"

    @property
    def matching(self) -> bool:
        """A match was asked for after the last run finished (the page polls until it is)."""
        return bool(self.match_requested_at) and (
            self.matched_at is None or self.matched_at < self.match_requested_at
        )

    @property
    def is_closed(self) -> bool:
        return self.state == CaseState.RETURNED

    @property
    def description_text(self) -> str:
        return " ".join(x for x in (self.build, self.marks, self.clothing) if x)


class CaseTransition(TransitionLog):
    """One state change of a case: who, when, from, to, why (core.workflow's log)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField(_("原状态"), max_length=12, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=12, choices=CaseState.choices)
    reason = models.CharField(_("原因"), max_length=200)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class DailyRecord(models.Model):
    """A day's note on a person in the station (meals, health, what they said)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="daily_records")
    day = models.DateField(_("日期"))
    note = models.TextField(_("记录"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]

    def __str__(self) -> str:
        return f"{self.day} {self.note[:20]}"


class ReportStatus(models.TextChoices):
    OPEN = "open", _("寻找中")
    FOUND = "found", _("已找到")
    WITHDRAWN = "withdrawn", _("已撤销")


class ReportSource(models.TextChoices):
    PORTAL = "portal", _("网上登记")
    COUNTER = "counter", _("窗口登记")
    IMPORT = "import", _("批量导入")


class MissingReport(models.Model):
    """A family's report of a missing relative (寻亲登记)."""

    external_id = models.CharField(_("外部编号"), max_length=40, unique=True)
    name = models.CharField(_("走失者姓名"), max_length=40)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    missing_date = models.DateField(_("走失日期"))
    missing_place = models.CharField(_("走失地点"), max_length=200)
    division = models.ForeignKey(
        Division,
        verbose_name=_("走失地区划"),
        on_delete=models.PROTECT,
        related_name="+",
        default=district_code,
    )
    description = models.TextField(_("体貌特征"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True)
    contact_phone_hash = models.CharField(max_length=32, blank=True, db_index=True)
    contact_phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    consent = models.BooleanField(_("同意比对"), default=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    source = models.CharField(_("来源"), max_length=10, choices=ReportSource.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    history = HistoricalRecords()

    scope_field = "division"

    class Meta:
        verbose_name = _("寻亲登记")
        verbose_name_plural = _("寻亲登记")
        ordering = ["-missing_date", "-id"]
        indexes = [models.Index(fields=["status", "sex", "missing_date"])]

    def __str__(self) -> str:
        return f"{self.external_id} {self.name}"

    @property
    def year_of_birth(self) -> int | None:
        return self.birth_date.year if self.birth_date else self.birth_year


class ReportKey(models.Model):
    """A blocking key of a report (`matching.report_keys`): a query reads only the reports
    that share a key with it. Rewritten whenever the report changes."""

    report = models.ForeignKey(MissingReport, on_delete=models.CASCADE, related_name="keys")
    key = models.CharField(max_length=80)

    class Meta:
        indexes = [models.Index(fields=["key", "report"])]

    def __str__(self) -> str:
        return self.key


class Decision(models.TextChoices):
    PENDING = "pending", _("待核实")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("已排除")


class MatchCandidate(models.Model):
    """A report the matcher ranked for a case, and the staff decision on it. Re-matching
    refreshes score and reasons; the decision is kept as it was."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="candidates")
    report = models.ForeignKey(MissingReport, on_delete=models.PROTECT, related_name="candidates")
    score = models.DecimalField(_("匹配分"), max_digits=5, decimal_places=4)
    rank = models.PositiveSmallIntegerField(_("排名"))
    reasons = models.JSONField(_("理由"), default=list)
    computed_at = models.DateTimeField(_("计算时间"))
    decision = models.CharField(
        _("核实结果"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decision_reason = models.CharField(_("核实说明"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    scope_field = "case__division"

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["case", "report"], name="rescue_candidate_once")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} ↔ {self.report_id} {self.score}"


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("待审核发布")
    PUBLISHED = "published", _("已发布")
    TAKEN_DOWN = "taken_down", _("已撤下")


class Notice(models.Model):
    """The public notice (寻亲公告) of a case. Only `PUBLIC_FIELDS` reach the portal."""

    PUBLIC_FIELDS = (
        "title",
        "told_name",
        "sex",
        "age_min",
        "age_max",
        "found_date",
        "found_place",
        "dialect",
        "appearance",
        "published_at",
    )

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="notice")
    title = models.CharField(_("标题"), max_length=100)
    told_name = models.CharField(_("自述姓名"), max_length=40, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    age_min = models.PositiveSmallIntegerField(_("估计年龄（下限）"))
    age_max = models.PositiveSmallIntegerField(_("估计年龄（上限）"))
    found_date = models.DateField(_("发现日期"))
    found_place = models.CharField(_("发现地点"), max_length=200)
    dialect = models.CharField(_("口音/语言"), max_length=20, blank=True)
    appearance = models.TextField(
        _("体貌特征"),
        blank=True,
        help_text=_("有助于辨认的身高、体型、衣着、特征；不写健康与精神状况。"),
    )
    photo_token = models.CharField(max_length=32, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))
    taken_down_at = models.DateTimeField(_("撤下时间"), null=True, blank=True)
    history = HistoricalRecords()

    scope_field = "case__division"

    class Meta:
        verbose_name = _("寻亲公告")
        verbose_name_plural = _("寻亲公告")
        ordering = ["-published_at"]
        indexes = [models.Index(fields=["status", "found_date"])]

    def __str__(self) -> str:
        return self.title


class HandoverTo(models.TextChoices):
    FAMILY = "family", _("家属")
    LOCAL_STATION = "station", _("当地救助站")


class ReturnHome(models.Model):
    """The return home (送返) that closes a case, with its costs (元)."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="return_home")
    destination = models.CharField(_("送返目的地"), max_length=200)
    escort = models.CharField(_("护送人员"), max_length=100)
    transport = models.CharField(_("交通方式"), max_length=60)
    handover_to = models.CharField(_("交接对象"), max_length=10, choices=HandoverTo.choices)
    handover_name = models.CharField(_("接收人/单位"), max_length=100)
    return_date = models.DateField(_("送返日期"))
    cost_transport = models.DecimalField(
        _("交通费（元）"), max_digits=10, decimal_places=2, default=0
    )
    cost_meals = models.DecimalField(_("餐食费（元）"), max_digits=10, decimal_places=2, default=0)
    cost_other = models.DecimalField(
        _("其他费用（元）"), max_digits=10, decimal_places=2, default=0
    )
    note = models.TextField(_("备注"), blank=True)
    # The ledger entry of the costs (Dr the station's return budget / Cr BANK); empty when
    # the return cost nothing. Entries are never edited: a correction would be a reversal.
    ledger_entry = models.ForeignKey(
        "ledger.JournalEntry",
        verbose_name=_("记账凭证"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    scope_field = "case__division"

    class Meta:
        verbose_name = _("送返记录")
        verbose_name_plural = _("送返记录")

    def __str__(self) -> str:
        return f"{self.return_date} {self.destination}"

    @property
    def cost_total(self):
        return self.cost_transport + self.cost_meals + self.cost_other
