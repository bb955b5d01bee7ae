"""Charitable organisations, campaigns, named funds, donations, receipts, spending and
public disclosure.

No balance lives here: every donation and every spending posts to the ledger (one
restricted-fund account per campaign and per named fund, one unrestricted account per
organisation; `ledger.accounts.charity_*`). Rows here point at their ledger entries.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minzheng.core.models import Division
from minzheng.core.workflow import TransitionLog
from minzheng.registry.pii import EncryptedTextField

ZERO = Decimal("0.00")
MONEY = {"max_digits": 14, "decimal_places": 2}


class Charity(models.Model):
    """A charitable organisation: a registry Organisation with its charity status."""

    class Status(models.TextChoices):
        RECOGNISED = "recognised", _("已认定为慈善组织")
        REGISTERED = "registered", _("登记为慈善组织")
        REVOKED = "revoked", _("已撤销")

    scope_field = "division"

    organisation = models.OneToOneField(
        "registry.Organisation",
        verbose_name=_("登记组织"),
        on_delete=models.PROTECT,
        related_name="charity",
    )
    name = models.CharField(_("名称"), max_length=100)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("慈善组织状态"), max_length=12, choices=Status.choices)
    recognised_on = models.DateField(_("认定（登记）日期"))
    certificate_valid_to = models.DateField(_("登记证书有效期至"), null=True, blank=True)
    public_fundraising = models.BooleanField(_("具有公开募捐资格"), default=False)
    fundraising_certificate_no = models.CharField(
        _("公开募捐资格证书编号"), max_length=40, blank=True
    )
    fundraising_valid_from = models.DateField(_("公开募捐资格起始日期"), null=True, blank=True)
    fundraising_valid_to = models.DateField(_("公开募捐资格有效期至"), null=True, blank=True)
    receipt_prefix = models.CharField(_("票据号前缀"), max_length=8)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("慈善组织")
        verbose_name_plural = _("慈善组织")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["receipt_prefix"], name="charity_receipt_prefix_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def party(self) -> str:
        return f"org:{self.organisation_id}"


class CharityStaff(models.Model):
    """A staff account working for one organisation: it sees that organisation only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="charity_link",
        verbose_name=_("账号"),
    )
    charity = models.ForeignKey(
        Charity, on_delete=models.PROTECT, related_name="staff_links", verbose_name=_("慈善组织")
    )

    scope_field = "charity__division"

    class Meta:
        verbose_name = _("慈善组织工作人员")
        verbose_name_plural = _("慈善组织工作人员")

    def __str__(self) -> str:
        return f"{self.charity} · {self.user}"


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    FILED = "filed", _("已备案")
    OPEN = "open", _("募捐中")
    CLOSED = "closed", _("已结束")
    REPORTED = "reported", _("已公开结项报告")


# What the public sees: a campaign from the day it opens.
PUBLIC_STATES = (CampaignState.OPEN, CampaignState.CLOSED, CampaignState.REPORTED)


class Campaign(models.Model):
    """A public fundraising campaign (募捐活动) or a charity project (慈善项目)."""

    class Kind(models.TextChoices):
        FUNDRAISING = "fundraising", _("公开募捐活动")
        PROJECT = "project", _("慈善项目")

    scope_field = "division"

    charity = models.ForeignKey(
        Charity, verbose_name=_("慈善组织"), on_delete=models.PROTECT, related_name="campaigns"
    )
    division = models.ForeignKey(
        Division, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=120)
    purpose = models.TextField(_("募捐目的与用途"))
    filing_number = models.CharField(_("备案编号"), max_length=40, blank=True)
    channels = models.CharField(_("募捐渠道"), max_length=200, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    target = models.DecimalField(_("目标金额（元）"), null=True, blank=True, **MONEY)
    state = models.CharField(
        _("状态"), max_length=10, choices=CampaignState.choices, default=CampaignState.DRAFT
    )
    closed_on = models.DateField(_("实际结束日期"), null=True, blank=True)
    leftover_plan = models.TextField(_("剩余财产处理"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("募捐活动/慈善项目")
        verbose_name_plural = _("募捐活动/慈善项目")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["state", "starts_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES


class CampaignTransition(TransitionLog):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="transitions")

    class Meta:
        ordering = ["at", "id"]


class NamedFund(models.Model):
    """A named fund (冠名基金) held by an organisation for the founder's chosen purposes."""

    scope_field = "division"

    charity = models.ForeignKey(
        Charity, verbose_name=_("慈善组织"), on_delete=models.PROTECT, related_name="funds"
    )
    division = models.ForeignKey(
        Division, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("基金名称"), max_length=100)
    founder_name = models.CharField(_("冠名人/设立人"), max_length=100)
    founder_organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("设立单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    founder_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设立人门户账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="charity_funds",
    )
    agreement_signed_on = models.DateField(_("协议签订日期"))
    agreement_ends_on = models.DateField(_("协议到期日期"), null=True, blank=True)
    minimum_principal = models.DecimalField(_("最低本金（元）"), null=True, blank=True, **MONEY)
    purposes = models.TextField(_("资金用途"))
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("冠名基金")
        verbose_name_plural = _("冠名基金")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Method(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("银行转账")
    CASH = "cash", _("现金（柜台）")
    ONLINE = "online", _("网上支付")
    IN_KIND = "in_kind", _("实物")


class DonorKind(models.TextChoices):
    PERSON = "person", _("个人")
    ORGANISATION = "organisation", _("单位")


class Donation(models.Model):
    """One gift: money or in kind, designated to a campaign, a named fund or unrestricted."""

    scope_field = "division"

    charity = models.ForeignKey(
        Charity, verbose_name=_("慈善组织"), on_delete=models.PROTECT, related_name="donations"
    )
    division = models.ForeignKey(
        Division, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    # The campaign and fund keys are indexed by the composite indexes of Meta (they lead
    # them), so they have no index of their own.
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("募捐活动/项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="donations",
        db_index=False,
    )
    fund = models.ForeignKey(
        NamedFund,
        verbose_name=_("冠名基金"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="donations",
        db_index=False,
    )
    method = models.CharField(_("方式"), max_length=14, choices=Method.choices)
    amount = models.DecimalField(_("金额/估值（元）"), **MONEY)
    received_on = models.DateField(_("收到日期"))
    donor_kind = models.CharField(_("捐赠人类型"), max_length=12, choices=DonorKind.choices)
    donor_name = models.CharField(_("捐赠人"), max_length=100)
    anonymous = models.BooleanField(_("匿名"), default=False)
    donor_id_number = EncryptedTextField(_("证件号码"), blank=True)
    donor_id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    donor_id_masked = models.CharField(_("证件号码"), max_length=24, blank=True, editable=False)
    donor_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    # No index of their own on these three: nothing looks gifts up by them, and each index
    # costs every imported row (bench/charity_import.py).
    donor_person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    donor_organisation = models.ForeignKey(
        "registry.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # In kind: what was given and how it was valued.
    item = models.CharField(_("物品"), max_length=100, blank=True)
    quantity = models.DecimalField(
        _("数量"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    valuation_basis = models.CharField(_("估值依据"), max_length=200, blank=True)
    reference = models.CharField(_("交易流水号"), max_length=64, blank=True)
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    entry_id = models.BigIntegerField(_("记账凭证"), null=True, editable=False)
    # Empty for an online gift recorded by the payment provider's callback.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("捐赠")
        verbose_name_plural = _("捐赠")
        permissions = [
            ("import_donations", _("导入银行流水")),
            ("export_charity", _("导出慈善数据")),
        ]
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["campaign", "received_on", "id"]),
            models.Index(fields=["campaign", "id"]),
            models.Index(fields=["fund", "received_on"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="donation_amount_positive"),
            models.CheckConstraint(
                condition=Q(campaign__isnull=True) | Q(fund__isnull=True),
                name="donation_one_designation",
            ),
            models.UniqueConstraint(
                fields=["charity", "reference"],
                condition=~Q(reference=""),
                name="donation_reference_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_name} {self.amount}"

    @property
    def public_name(self) -> str:
        """The name a public list may show: 匿名 or masked."""
        from minzheng.registry.validators import mask_name

        if self.anonymous:
            return "匿名"
        if self.donor_kind == DonorKind.ORGANISATION:
            return self.donor_name
        return mask_name(self.donor_name)

    @property
    def is_money(self) -> bool:
        return self.method != Method.IN_KIND


class ReceiptCounter(models.Model):
    """The last receipt number of an organisation's year, taken under a row lock in the
    transaction that issues the receipt: a rolled-back donation gives its number back."""

    charity = models.ForeignKey(Charity, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["charity", "year"], name="receipt_counter_once")
        ]

    def __str__(self) -> str:
        return f"{self.charity_id}:{self.year}:{self.last}"


class Receipt(models.Model):
    """A donation receipt (捐赠票据). Never edited: a wrong one is voided and reissued."""

    scope_field = "division"

    # Indexed by the leading column of the (charity, year, seq) unique constraint.
    charity = models.ForeignKey(
        Charity, on_delete=models.PROTECT, related_name="receipts", db_index=False
    )
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    donation = models.ForeignKey(
        Donation, verbose_name=_("捐赠"), on_delete=models.PROTECT, related_name="receipts"
    )
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    number = models.CharField(_("票据号码"), max_length=24, unique=True)
    donor_name = models.CharField(_("捐赠人"), max_length=100)
    project = models.CharField(_("捐赠项目"), max_length=120)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    amount_in_words = models.CharField(_("金额大写"), max_length=80)
    issued_on = models.DateField(_("开票日期"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("开票人"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("替换的票据"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("捐赠票据")
        verbose_name_plural = _("捐赠票据")
        permissions = [("void_receipt", _("作废并重开票据"))]
        ordering = ["-year", "-seq"]
        constraints = [
            models.UniqueConstraint(fields=["charity", "year", "seq"], name="receipt_seq_once"),
            models.UniqueConstraint(
                fields=["donation"],
                condition=Q(voided_at__isnull=True),
                name="receipt_one_valid_per_donation",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Purpose(models.TextChoices):
    SUPPLIES = "supplies", _("物资采购")
    MEDICAL_STAFF = "medical_staff", _("慰问医护人员")
    HARDSHIP_AID = "hardship_aid", _("困难群众救助")
    EDUCATION_AID = "education_aid", _("助学")
    OTHER = "other", _("其他")


class SpendingState(models.TextChoices):
    REQUESTED = "requested", _("待审核")
    APPROVED = "approved", _("已批准支出")
    REJECTED = "rejected", _("已退回")


class Spending(models.Model):
    """A spending (支出/资助) request against a campaign, a named fund or unrestricted money:
    made by one person, approved by another (maker-checker); approval posts to the ledger."""

    scope_field = "division"

    charity = models.ForeignKey(
        Charity, verbose_name=_("慈善组织"), on_delete=models.PROTECT, related_name="spendings"
    )
    division = models.ForeignKey(
        Division, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("募捐活动/项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="spendings",
    )
    fund = models.ForeignKey(
        NamedFund,
        verbose_name=_("冠名基金"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="spendings",
    )
    purpose = models.CharField(_("用途"), max_length=14, choices=Purpose.choices)
    description = models.CharField(_("说明"), max_length=200)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    payee_name = models.CharField(_("收款方"), max_length=100)
    spent_on = models.DateField(_("支出日期"))
    beneficiary_count = models.PositiveIntegerField(_("受益人数"), default=0)
    beneficiary_note = models.CharField(_("受益对象说明"), max_length=200, blank=True)
    beneficiaries = models.ManyToManyField(
        "registry.Person", blank=True, related_name="+", verbose_name=_("受助人员（不公开）")
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=SpendingState.choices, default=SpendingState.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entry_id = models.BigIntegerField(_("记账凭证"), null=True, editable=False)
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("支出")
        verbose_name_plural = _("支出")
        permissions = [("approve_spending", _("审核支出"))]
        ordering = ["-spent_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="spending_amount_positive"),
            models.CheckConstraint(
                condition=Q(campaign__isnull=True) | Q(fund__isnull=True),
                name="spending_one_designation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.amount}"


class SpendingTransition(TransitionLog):
    spending = models.ForeignKey(Spending, on_delete=models.PROTECT, related_name="transitions")

    class Meta:
        ordering = ["at", "id"]


class PaymentOrder(models.Model):
    """An online payment started by a donor; the payment provider's signed callback turns
    it into a donation once (the provider's trade number is unique)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        PAID = "paid", _("已支付")

    scope_field = "division"

    charity = models.ForeignKey(Charity, on_delete=models.PROTECT, related_name="+")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fund = models.ForeignKey(
        NamedFund, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order_no = models.CharField(_("订单号"), max_length=40, unique=True)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    donor_name = models.CharField(_("捐赠人"), max_length=100)
    anonymous = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    trade_no = models.CharField(max_length=64, null=True, blank=True, unique=True)
    donation = models.OneToOneField(
        Donation, null=True, blank=True, on_delete=models.PROTECT, related_name="payment_order"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("网上支付订单")
        verbose_name_plural = _("网上支付订单")

    def __str__(self) -> str:
        return self.order_no


class Disclosure(models.Model):
    """A published disclosure of a campaign: its figures computed from the records when
    published, kept as published (a correction is a new disclosure)."""

    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("定期公开")
        FINAL = "final", _("结项公开")

    scope_field = "division"

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="disclosures")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    as_of = models.DateField(_("截至日期"))
    published_on = models.DateField(_("公开日期"))
    figures = models.JSONField(_("公开数字"))
    note = models.TextField(_("说明"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("信息公开")
        verbose_name_plural = _("信息公开")
        ordering = ["-published_on", "-id"]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.get_kind_display()} {self.as_of}"


class AnnualReport(models.Model):
    """The organisation's annual work report and financial statements of a year, due on
    the platform by 31 May of the next year."""

    scope_field = "division"

    charity = models.ForeignKey(Charity, on_delete=models.PROTECT, related_name="annual_reports")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    published_on = models.DateField(_("公开日期"))
    summary = models.TextField(_("摘要"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("年度报告")
        verbose_name_plural = _("年度报告")
        constraints = [
            models.UniqueConstraint(fields=["charity", "year"], name="annual_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.charity_id} {self.year}"
