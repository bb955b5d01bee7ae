"""Funeral homes, their staff, the exempted services they record and their monthly settlements.

The money is not here: each service is an engine Application (programme
`funeral_fee_waiver`) granted at service time, whose approval posted Dr BUDGET / Cr PAYABLE
to the home; a settlement posts Dr PAYABLE / Cr BANK for the home's month. Rows here point
at the application and at the ledger entries.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minzheng.core.models import Division
from minzheng.registry.pii import EncryptedTextField


class FuneralHome(models.Model):
    scope_field = "division"

    organisation = models.OneToOneField(
        "registry.Organisation",
        verbose_name=_("登记组织"),
        on_delete=models.PROTECT,
        related_name="funeral_home",
    )
    name = models.CharField(_("殡仪馆名称"), max_length=100)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("殡仪馆")
        verbose_name_plural = _("殡仪馆")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def party(self) -> str:
        """The ledger party of the home (its registry organisation)."""
        return f"org:{self.organisation_id}"


class HomeStaff(models.Model):
    """A staff account working at one funeral home: it sees and records that home only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="funeral_home_link",
        verbose_name=_("账号"),
    )
    home = models.ForeignKey(
        FuneralHome, on_delete=models.PROTECT, related_name="staff_links", verbose_name=_("殡仪馆")
    )

    scope_field = "home__division"

    class Meta:
        verbose_name = _("殡仪馆工作人员")
        verbose_name_plural = _("殡仪馆工作人员")

    def __str__(self) -> str:
        return f"{self.home} · {self.user}"


class Settlement(models.Model):
    """One funeral home's month, paid: Dr PAYABLE (party the home) / Cr BANK.

    At most one posted settlement per home and month (unique constraint); a correction
    reverses it (status reversed, its entry mirrored) and a new revision is posted."""

    class Status(models.TextChoices):
        POSTED = "posted", _("已结算入账")
        REVERSED = "reversed", _("已冲销")

    scope_field = "home__division"

    home = models.ForeignKey(
        FuneralHome, on_delete=models.PROTECT, related_name="settlements", verbose_name=_("殡仪馆")
    )
    month = models.DateField(_("结算月份"), help_text=_("该月第一天。"))
    revision = models.PositiveSmallIntegerField(_("版本"), default=1)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.POSTED
    )
    service_count = models.PositiveIntegerField(_("人数"))
    total = models.DecimalField(_("免除金额合计"), max_digits=14, decimal_places=2)
    posted_on = models.DateField(_("入账日期"))
    entry_id = models.BigIntegerField(_("结算凭证"))
    reversal_entry_id = models.BigIntegerField(_("冲销凭证"), null=True, blank=True)
    reversal_reason = models.CharField(_("冲销原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("月度结算")
        verbose_name_plural = _("月度结算")
        ordering = ["-month", "home__name", "-revision"]
        permissions = [("reverse_settlement", _("冲销殡葬费用结算"))]
        constraints = [
            models.UniqueConstraint(
                fields=["home", "month"],
                condition=Q(status="posted"),
                name="funeral_one_posted_settlement_per_month",
            ),
            models.UniqueConstraint(
                fields=["home", "month", "revision"], name="funeral_settlement_revision_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.home} {self.month:%Y-%m}"


class ServiceRecordQuerySet(models.QuerySet):
    def live(self) -> ServiceRecordQuerySet:
        """Records that count: not voided (作废). Every total, settlement, export and
        default list reads through this."""
        return self.filter(voided_at__isnull=True)

    def voided(self) -> ServiceRecordQuerySet:
        return self.filter(voided_at__isnull=False)


class ServiceRecord(models.Model):
    """One deceased's exempted basic services at one funeral home (one live record per
    deceased). A wrongly recorded service is voided (作废), never deleted: it keeps its row
    with who, when and why, and stops counting anywhere."""

    scope_field = "division"

    home = models.ForeignKey(
        FuneralHome, on_delete=models.PROTECT, related_name="services", verbose_name=_("殡仪馆")
    )
    application = models.OneToOneField(
        "programs.Application",
        on_delete=models.PROTECT,
        related_name="funeral_service",
        verbose_name=_("救助申请"),
    )
    # The deceased's household-registration division (town), or the home's when unknown.
    division = models.ForeignKey(
        Division, verbose_name=_("户籍所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("人口库记录"),
    )
    deceased_name = models.CharField(_("逝者姓名"), max_length=40)
    deceased_id_number = EncryptedTextField(_("逝者身份证号码"))
    # Unique among live records only (constraint below): a voided record does not block
    # recording the same deceased again correctly.
    deceased_id_hash = models.CharField(max_length=32, db_index=True, editable=False)
    deceased_id_masked = models.CharField(_("逝者身份证号码"), max_length=24, editable=False)
    death_date = models.DateField(_("死亡日期"))
    service_date = models.DateField(_("服务日期"), db_index=True)
    family_contact = models.CharField(_("经办家属"), max_length=40, blank=True)
    # [{"code", "name", "unit", "qty", "price", "amount"}] as decided on the service date.
    items = models.JSONField(_("免除项目"), default=list)
    amount = models.DecimalField(_("免除金额"), max_digits=12, decimal_places=2)
    settlement = models.ForeignKey(
        Settlement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
        verbose_name=_("结算"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("作废人"),
        editable=False,
    )
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True, editable=False)
    # Dr PAYABLE (party the home) / Cr BUDGET: gives back what the grant took.
    void_entry_id = models.BigIntegerField(_("作废冲回凭证"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    objects = ServiceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("殡葬费用免除记录")
        verbose_name_plural = _("殡葬费用免除记录")
        ordering = ["-service_date", "-id"]
        permissions = [("void_servicerecord", _("作废殡葬费用免除记录"))]
        indexes = [
            models.Index(fields=["home", "service_date"], name="funeral_home_date_idx"),
            models.Index(fields=["division", "service_date"], name="funeral_scope_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="funeral_amount_not_negative"),
            models.UniqueConstraint(
                fields=["deceased_id_hash"],
                condition=Q(voided_at__isnull=True),
                name="funeral_one_live_record_per_deceased",
            ),
            # A voided record keeps who voided it and why; a settled one cannot be voided.
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True)
                | (Q(settlement__isnull=True) & ~Q(void_reason="")),
                name="funeral_voided_is_unsettled_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_date} {self.deceased_name}"

    @property
    def family_pays(self) -> Decimal:
        """What the family paid: every item used at its price, less the exemption."""
        from .rules import family_pays

        return family_pays(self.items, self.amount)

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None
