"""The double-entry journal: every movement of money is an entry whose lines balance.

Balances are derived: `Account.balance` is maintained only by ledger.services.entry_post,
in the same transaction as the lines it sums, and `ledger_check` recomputes it from the lines.
Entries are never edited or deleted; a correction is a reversing entry.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.models import Division

ZERO = Decimal("0.00")


class Account(models.Model):
    class Kind(models.TextChoices):
        BANK = "bank", _("银行存款")
        FUNDING = "funding", _("资金来源")
        BUDGET = "budget", _("项目预算")
        RESERVE = "reserve", _("镇街备用金")
        PAYABLE = "payable", _("应付款")

    # Which side increases the balance, and which kinds may never go below zero.
    DEBIT_NORMAL = {Kind.BANK}
    NON_NEGATIVE = {Kind.BUDGET, Kind.RESERVE}

    scope_field = "division"

    code = models.CharField(_("科目编码"), max_length=80, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    balance = models.DecimalField(
        _("余额"), max_digits=16, decimal_places=2, default=ZERO, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("会计科目")
        verbose_name_plural = _("会计科目")
        ordering = ["code"]
        constraints = [
            # The database itself refuses an overdrawn budget or reserve.
            models.CheckConstraint(
                condition=~Q(kind__in=["budget", "reserve"]) | Q(balance__gte=0),
                name="budget_reserve_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def debit_normal(self) -> bool:
        return self.kind in self.DEBIT_NORMAL


class JournalEntry(models.Model):
    scope_field = "division"

    posted_on = models.DateField(_("记账日期"))
    memo = models.CharField(_("摘要"), max_length=200)
    source = models.CharField(_("业务来源"), max_length=80, db_index=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    division = models.ForeignKey(
        Division, verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲销凭证"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    reason = models.CharField(_("冲销原因"), max_length=200, blank=True)
    total = models.DecimalField(_("金额"), max_digits=16, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")
        ordering = ["-id"]
        permissions = [("reverse_journalentry", _("冲销凭证"))]

    def __str__(self) -> str:
        return f"{self.number} {self.memo}"

    @property
    def number(self) -> str:
        return f"JZ{self.pk:08d}"


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    party = models.CharField(_("往来对象"), max_length=40, blank=True)
    debit = models.DecimalField(_("借方"), max_digits=16, decimal_places=2, default=ZERO)
    credit = models.DecimalField(_("贷方"), max_digits=16, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        indexes = [models.Index(fields=["account", "party"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(debit=0) & Q(credit__gt=0)),
                name="line_one_side_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account.code} {self.debit or -self.credit}"
