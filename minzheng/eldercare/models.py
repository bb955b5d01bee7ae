"""Elderly care: institutions (养老机构) and their residents, ability assessments, the
monthly operating-subsidy claims, community happiness houses (社区幸福院) and the
inspections of every civil-affairs service institution.

Institutions, houses and their operators are registry organisations (the ledger party is
`org:<id>`); the rows here hold what only elderly care needs. Money never lives here: a
claim points at the programmes-engine application that owes it and the ledger entries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minzheng.core.models import Division
from minzheng.core.workflow import TransitionLog
from minzheng.registry.pii import EncryptedTextField


class AbilityLevel(models.IntegerChoices):
    """GB/T 42195-2022 老年人能力评估规范."""

    INTACT = 0, _("0 能力完好")
    MILD = 1, _("1 轻度失能")
    MODERATE = 2, _("2 中度失能")
    SEVERE = 3, _("3 重度失能")
    TOTAL = 4, _("4 完全失能")


class Institution(models.Model):
    """An elderly-care institution: a registry organisation plus its filing, beds and grade."""

    class Ownership(models.TextChoices):
        PUBLIC = "public", _("公办")
        PRIVATE = "private", _("民办")

    scope_field = "division"

    organisation = models.OneToOneField(
        "registry.Organisation",
        on_delete=models.PROTECT,
        related_name="eldercare_institution",
        verbose_name=_("登记组织"),
    )
    name = models.CharField(_("机构名称"), max_length=100)
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区划")
    )
    ownership = models.CharField(_("性质"), max_length=10, choices=Ownership.choices)
    filing_number = models.CharField(_("备案编号"), max_length=40, blank=True)
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    beds_total = models.PositiveIntegerField(_("床位总数"))
    beds_nursing = models.PositiveIntegerField(_("护理型床位"), default=0)
    star_grade = models.PositiveSmallIntegerField(
        _("等级"), null=True, blank=True, help_text=_("GB/T 37276-2018，一级至五级。")
    )
    grade_assessed_on = models.DateField(_("等级评定日期"), null=True, blank=True)
    grade_body = models.CharField(_("评定机构"), max_length=100, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    services = models.CharField(_("服务内容"), max_length=200, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    bank_account = EncryptedTextField(_("银行账号"), blank=True)
    bank_account_masked = models.CharField(_("银行账号"), max_length=40, blank=True)
    is_illustrative = models.BooleanField(_("示例数据"), default=False)
    is_active = models.BooleanField(_("运营中"), default=True)
    history = HistoricalRecords(excluded_fields=["bank_account"])

    class Meta:
        verbose_name = _("养老机构")
        verbose_name_plural = _("养老机构")
        ordering = ["division_id", "name"]
        permissions = [("run_claims", _("运营补贴月度申报与发放"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(beds_nursing__lte=F("beds_total")),
                name="eldercare_nursing_beds_within_total",
            ),
            models.CheckConstraint(
                condition=Q(star_grade__isnull=True) | Q(star_grade__gte=1, star_grade__lte=5),
                name="eldercare_grade_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def party(self) -> str:
        return f"org:{self.organisation_id}"


class InstitutionStaff(models.Model):
    """An account working at one institution: it sees that institution's records only."""

    scope_field = "institution__division"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="eldercare_institution_link",
        verbose_name=_("账号"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="staff_links",
        verbose_name=_("养老机构"),
    )

    class Meta:
        verbose_name = _("养老机构工作人员")
        verbose_name_plural = _("养老机构工作人员")

    def __str__(self) -> str:
        return f"{self.institution} · {self.user}"


class Assessment(models.Model):
    """One ability assessment of an elder (GB/T 42195); the latest on a day is in force."""

    scope_field = "division"

    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="eldercare_assessments",
        verbose_name=_("老人"),
    )
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("评估地区划")
    )
    level = models.PositiveSmallIntegerField(_("能力等级"), choices=AbilityLevel.choices)
    assessed_on = models.DateField(_("评估日期"))
    body = models.CharField(_("评估机构"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("老年人能力评估")
        verbose_name_plural = _("老年人能力评估")
        ordering = ["person_id", "-assessed_on", "-id"]
        indexes = [models.Index(fields=["person", "assessed_on"], name="eldercare_assess_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(level__lte=4), name="eldercare_level_0_to_4")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.assessed_on} {self.level}"


class Residency(models.Model):
    """One stay of an elder in an institution (入住): admitted, and discharged (退住) or not.

    An elder has at most one open stay (partial unique index): two institutions admitting
    the same elder at once cannot both succeed."""

    class BedType(models.TextChoices):
        GENERAL = "general", _("普通床位")
        NURSING = "nursing", _("护理型床位")

    class DischargeReason(models.TextChoices):
        HOME = "home", _("返家")
        TRANSFER = "transfer", _("转院")
        DEATH = "death", _("死亡")
        OTHER = "other", _("其他")

    scope_field = "institution__division"

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="residencies", verbose_name=_("机构")
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="eldercare_residencies",
        verbose_name=_("老人"),
    )
    bed_type = models.CharField(
        _("床位类型"), max_length=10, choices=BedType.choices, default=BedType.GENERAL
    )
    admitted_on = models.DateField(_("入住日期"))
    discharged_on = models.DateField(_("退住日期"), null=True, blank=True)
    discharge_reason = models.CharField(
        _("退住原因"), max_length=10, choices=DischargeReason.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("入住老人")
        verbose_name_plural = _("入住老人")
        ordering = ["institution_id", "-admitted_on", "id"]
        indexes = [
            models.Index(fields=["institution", "discharged_on"], name="eldercare_res_inst_idx"),
            models.Index(fields=["person", "admitted_on"], name="eldercare_res_person_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(discharged_on__isnull=True),
                name="eldercare_one_open_residency",
            ),
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True) | Q(discharged_on__gte=F("admitted_on")),
                name="eldercare_discharge_after_admission",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id}:{self.person_id} {self.admitted_on}"


class Absence(models.Model):
    """A stretch away from the institution (hospital, home visit) while the stay is open."""

    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("住院")
        HOME = "home", _("回家探亲")
        OTHER = "other", _("其他")

    scope_field = "residency__institution__division"

    residency = models.ForeignKey(
        Residency, on_delete=models.PROTECT, related_name="absences", verbose_name=_("入住")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    start = models.DateField(_("离院日期"))
    end = models.DateField(_("返院日期"), null=True, blank=True, help_text=_("返院当日在院。"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("离院记录")
        verbose_name_plural = _("离院记录")
        ordering = ["residency_id", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")),
                name="eldercare_absence_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.residency_id} {self.start}–{self.end or ''}"


# ---------------------------------------------------------------- subsidies


class ClaimRun(models.Model):
    """The district's monthly operating-subsidy run: one claim per private institution."""

    month = models.DateField(_("月份"), unique=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    claim_count = models.PositiveIntegerField(_("机构数"), default=0)
    line_count = models.PositiveIntegerField(_("明细数"), default=0)
    flagged_count = models.PositiveIntegerField(_("标记明细"), default=0)
    total = models.DecimalField(_("申报金额"), max_digits=16, decimal_places=2, default=0)
    parameters = models.JSONField(_("所用政策参数"), default=list)
    batch_id = models.BigIntegerField(_("发放批次"), null=True, blank=True)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("运营补贴月度申报")
        verbose_name_plural = _("运营补贴月度申报")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class Claim(models.Model):
    """One institution's month: the lines that explain it and the engine application."""

    scope_field = "institution__division"

    run = models.ForeignKey(ClaimRun, on_delete=models.PROTECT, related_name="claims")
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="claims", verbose_name=_("机构")
    )
    month = models.DateField(_("月份"))
    star_grade = models.PositiveSmallIntegerField(_("等级"), null=True, blank=True)
    line_count = models.PositiveIntegerField(_("老人数"), default=0)
    paid_days = models.PositiveIntegerField(_("补贴床日"), default=0)
    flagged_count = models.PositiveIntegerField(_("标记明细"), default=0)
    total = models.DecimalField(_("申报金额"), max_digits=14, decimal_places=2, default=0)
    application_id = models.BigIntegerField(_("救助申请"), null=True, blank=True)

    class Meta:
        verbose_name = _("机构月度申报")
        verbose_name_plural = _("机构月度申报")
        ordering = ["-month", "institution_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "month"], name="eldercare_one_claim_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.month:%Y-%m}"


class ClaimLine(models.Model):
    """One elder in one claim: the days, the rate and why (the explanation is the answer)."""

    class Flag(models.TextChoices):
        DOUBLE = "double", _("同月被两家机构申报")
        ABSENT = "absent", _("当月离院满规定天数")
        DECEASED = "deceased", _("老人已死亡")
        DISCHARGED = "discharged", _("当月退住")

    scope_field = "claim__institution__division"

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="lines")
    residency = models.ForeignKey(Residency, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    care_level = models.PositiveSmallIntegerField(_("能力等级"), null=True)
    resident_days = models.PositiveSmallIntegerField(_("在住天数"))
    absent_days = models.PositiveSmallIntegerField(_("离院天数"))
    paid_days = models.PositiveSmallIntegerField(_("补贴天数"))
    monthly_rate = models.DecimalField(_("月标准"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("金额"), max_digits=10, decimal_places=2)
    held = models.BooleanField(_("暂缓拨付"), default=False)
    flags = models.JSONField(_("标记"), default=list)
    explanation = models.TextField(_("金额说明"))

    class Meta:
        verbose_name = _("申报明细")
        verbose_name_plural = _("申报明细")
        ordering = ["claim_id", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id}:{self.person_id} {self.amount}"

    @property
    def flag_labels(self) -> list[str]:
        return [str(self.Flag(f).label) for f in self.flags if f in self.Flag.values]


# ---------------------------------------------------------------- happiness houses


class HouseService(models.TextChoices):
    MEALS = "meals", _("长者饭堂")
    DAY_CARE = "day_care", _("日间照料")
    ACTIVITIES = "activities", _("文体活动")
    HEALTH = "health", _("健康检查")


class House(models.Model):
    """A community happiness house (社区幸福院), run by a social organisation (社会化运营)."""

    scope_field = "division"

    organisation = models.OneToOneField(
        "registry.Organisation",
        on_delete=models.PROTECT,
        related_name="eldercare_house",
        verbose_name=_("登记组织"),
    )
    name = models.CharField(_("名称"), max_length=100)
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在村居")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=100, blank=True)
    services = models.JSONField(_("服务项目"), default=list)
    operator = models.ForeignKey(
        "registry.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("运营机构"),
    )
    contract_start = models.DateField(_("服务合同开始"), null=True, blank=True)
    contract_end = models.DateField(_("服务合同结束"), null=True, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    bank_account = EncryptedTextField(_("银行账号"), blank=True)
    bank_account_masked = models.CharField(_("银行账号"), max_length=40, blank=True)
    is_illustrative = models.BooleanField(_("示例数据"), default=False)
    history = HistoricalRecords(excluded_fields=["bank_account"])

    class Meta:
        verbose_name = _("社区幸福院")
        verbose_name_plural = _("社区幸福院")
        ordering = ["division_id", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contract_end__isnull=True)
                | Q(contract_start__isnull=True)
                | Q(contract_end__gte=F("contract_start")),
                name="eldercare_house_contract_dates",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def service_labels(self) -> list[str]:
        return [str(HouseService(s).label) for s in self.services if s in HouseService.values]


class HouseReport(models.Model):
    """A house's monthly operation report; photos are core attachments of kind
    `house_photo`."""

    scope_field = "house__division"

    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="reports")
    month = models.DateField(_("月份"))
    visits = models.PositiveIntegerField(_("服务人次"))
    meals = models.PositiveIntegerField(_("助餐人次"))
    activities = models.PositiveIntegerField(_("活动场次"))
    note = models.TextField(_("情况说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("幸福院月度运营报告")
        verbose_name_plural = _("幸福院月度运营报告")
        ordering = ["house_id", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["house", "month"], name="eldercare_one_report_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.house_id} {self.month:%Y-%m}"


class HouseRating(models.Model):
    """The yearly rating of a house; its grade sets next year's operating subsidy."""

    class Grade(models.TextChoices):
        A = "A", _("优秀")
        B = "B", _("良好")
        C = "C", _("合格")
        D = "D", _("不合格")

    scope_field = "house__division"

    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="ratings")
    year = models.PositiveSmallIntegerField(_("年度"))
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    grade = models.CharField(_("等次"), max_length=1, choices=Grade.choices)
    rated_on = models.DateField(_("评定日期"))
    application_id = models.BigIntegerField(_("次年补贴申请"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("幸福院年度评级")
        verbose_name_plural = _("幸福院年度评级")
        ordering = ["house_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["house", "year"], name="eldercare_one_rating_a_year"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="eldercare_rating_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.house_id} {self.year} {self.grade}"


# ---------------------------------------------------------------- inspections


class PlaceKind(models.TextChoices):
    ELDERCARE = "eldercare", _("养老机构")
    HOUSE = "house", _("社区幸福院")
    RESCUE = "rescue", _("救助管理站")
    CHILD_WELFARE = "child_welfare", _("儿童福利院")
    OTHER = "other", _("其他民政服务机构")


class InspectionType(models.Model):
    """防疫、消防、食品安全、服务质量 …: a kind of inspection and its checklist."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("检查类型")
        verbose_name_plural = _("检查类型")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    inspection_type = models.ForeignKey(
        InspectionType, on_delete=models.PROTECT, related_name="items", verbose_name=_("检查类型")
    )
    code = models.CharField(_("编号"), max_length=20)
    text = models.CharField(_("检查内容"), max_length=200)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("检查项目")
        verbose_name_plural = _("检查项目")
        ordering = ["inspection_type_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection_type", "code"], name="eldercare_checklist_code_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class Inspection(models.Model):
    """One visit to one civil-affairs service institution (any registry organisation)."""

    scope_field = "division"

    place = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.PROTECT,
        related_name="eldercare_inspections",
        verbose_name=_("被检查机构"),
    )
    place_kind = models.CharField(_("机构类别"), max_length=20, choices=PlaceKind.choices)
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区划")
    )
    inspection_type = models.ForeignKey(
        InspectionType, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查类型")
    )
    inspected_on = models.DateField(_("检查日期"))
    inspectors = models.CharField(_("检查人员"), max_length=200)
    summary = models.TextField(_("检查情况"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("检查")
        verbose_name_plural = _("检查")
        ordering = ["-inspected_on", "-id"]
        indexes = [models.Index(fields=["place", "inspected_on"], name="eldercare_insp_place_idx")]

    def __str__(self) -> str:
        return f"{self.place_id} {self.inspected_on}"


class FindingState(models.TextChoices):
    OPEN = "open", _("整改中")
    CLOSED = "closed", _("已整改销号")


class Finding(models.Model):
    """A problem found against one checklist item, with its rectification (整改)."""

    scope_field = "inspection__division"

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查项目")
    )
    description = models.TextField(_("存在问题"))
    deadline = models.DateField(_("整改期限"))
    state = models.CharField(
        _("状态"), max_length=10, choices=FindingState.choices, default=FindingState.OPEN
    )
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("检查发现问题")
        verbose_name_plural = _("检查发现问题")
        ordering = ["inspection_id", "id"]
        indexes = [models.Index(fields=["state", "deadline"], name="eldercare_finding_due_idx")]

    def __str__(self) -> str:
        return f"{self.inspection_id}:{self.item_id}"


class FollowUp(models.Model):
    """A follow-up visit (复查) of a finding; one that finds it fixed closes the finding."""

    scope_field = "finding__inspection__division"

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="follow_ups")
    visited_on = models.DateField(_("复查日期"))
    note = models.TextField(_("复查情况"))
    rectified = models.BooleanField(_("已整改到位"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("整改复查")
        verbose_name_plural = _("整改复查")
        ordering = ["finding_id", "visited_on", "id"]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.visited_on}"


class FindingTransition(TransitionLog):
    """core.workflow's log of a finding's moves (opened, closed)."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="transitions")

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["finding_id", "at", "id"]


# ---------------------------------------------------------------- portal requests


class ServiceRequest(models.Model):
    """A resident's request on the portal: admission support at an institution, or a
    happiness house's service. The staff in scope of the place answer it."""

    class Kind(models.TextChoices):
        ADMISSION = "admission", _("入住申请")
        HOUSE = "house", _("幸福院服务")

    class Status(models.TextChoices):
        NEW = "new", _("待联系")
        ANSWERED = "answered", _("已联系")

    scope_field = "division"

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    house = models.ForeignKey(
        House, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    elder_name = models.CharField(_("老人姓名"), max_length=40)
    contact_name = models.CharField(_("联系人"), max_length=40)
    phone = EncryptedTextField(_("联系电话"))
    phone_masked = models.CharField(_("联系电话"), max_length=20)
    service = models.CharField(_("所需服务"), max_length=20, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="eldercare_requests"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["phone"])

    class Meta:
        verbose_name = _("养老服务申请")
        verbose_name_plural = _("养老服务申请")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.elder_name}"
