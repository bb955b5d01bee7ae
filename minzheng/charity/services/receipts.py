"""Receipts numbered without gaps, voided and reissued (never edited), with the amount in
capital numerals.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm
from minzheng.core.validators import name_error

from .. import rules
from ..models import (
    Charity,
    Donation,
    Receipt,
    ReceiptCounter,
)
from .funds import _require_own


def _take_numbers(charity: Charity, year: int, n: int) -> int:
    """Take n receipt numbers of the year; returns the first. The counter row is locked
    (select_for_update) until the caller's transaction ends, so numbers are handed out in
    order and a rollback gives them back: no gaps, no duplicates."""
    ReceiptCounter.objects.get_or_create(charity=charity, year=year)
    counter = ReceiptCounter.objects.select_for_update().get(charity=charity, year=year)
    first = counter.last + 1
    ReceiptCounter.objects.filter(pk=counter.pk).update(last=F("last") + n)
    return first


def receipt_number(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}{year}{seq:06d}"


def _receipt_issue(
    *, donation: Donation, project: str, donor_name: str, actor, on: dt.date, replaces=None
) -> Receipt:
    charity = donation.charity
    seq = _take_numbers(charity, on.year, 1)
    return Receipt.objects.create(
        charity=charity,
        division_id=donation.division_id,
        donation=donation,
        year=on.year,
        seq=seq,
        number=receipt_number(charity.receipt_prefix, on.year, seq),
        donor_name="匿名" if donation.anonymous and not donor_name else donor_name,
        project=project[:120],
        amount=donation.amount,
        amount_in_words=rules.amount_in_words(donation.amount),
        issued_on=on,
        issued_by=actor,
        replaces=replaces,
    )


def receipt_void_and_reissue(
    *, actor, receipt: Receipt, reason: str, donor_name: str = ""
) -> Receipt:
    """Void a wrong receipt (kept, marked, with the reason) and issue a new one with the
    next number; the donation and its ledger entry stay as they are."""
    require_perm(actor, "charity.void_receipt")
    _require_own(actor, receipt.charity, "receipt")
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("请填写作废原因。")
    elif len(reason) > 200:
        errors["reason"] = _("作废原因最多 200 字。")
    name = " ".join((donor_name or receipt.donor_name).split())
    if name_error(name):
        errors["donor_name"] = name_error(name)
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    with transaction.atomic():
        if (
            Receipt.objects.filter(pk=receipt.pk, voided_at__isnull=True).update(
                voided_at=timezone.now(), void_reason=reason
            )
            != 1
        ):
            raise ValidationError({"receipt": _("该票据已作废。")})
        receipt.refresh_from_db()
        new = _receipt_issue(
            donation=receipt.donation,
            project=receipt.project,
            donor_name=name,
            actor=actor,
            on=today,
            replaces=receipt,
        )
        audit.record(
            actor=actor,
            action=audit.Action.DELETE,
            target=receipt,
            summary=f"作废票据 {receipt.number}，重开 {new.number}",
            reason=reason,
        )
    return new


def receipt_pdf(receipt: Receipt) -> bytes:
    from minzheng.core import pdf

    charity = receipt.charity
    rows = [
        [_("票据号码"), receipt.number],
        [_("捐赠人"), receipt.donor_name],
        [_("捐赠项目"), receipt.project],
        [_("金额（小写）"), f"¥{receipt.amount:,.2f}"],
        [_("金额（大写）"), receipt.amount_in_words],
        [_("接受捐赠单位"), charity.name],
        [_("开票人"), receipt.issued_by.display_name or receipt.issued_by.username],
        [
            _("开票日期"),
            f"{receipt.issued_on.year}年{receipt.issued_on.month}月{receipt.issued_on.day}日",
        ],
    ]
    flowables = [pdf.para(_("捐赠票据"), "title"), pdf.Spacer(1, 6), pdf.table(rows, header=False)]
    if receipt.voided_at:
        flowables.append(pdf.para(_("本票据已作废：%(r)s") % {"r": receipt.void_reason}, "heading"))
    if receipt.replaces_id:
        flowables.append(
            pdf.para(_("本票据替换已作废的票据 %(n)s。") % {"n": receipt.replaces.number}, "small")
        )
    return pdf.build(title=f"捐赠票据 {receipt.number}", flowables=flowables, author=charity.name)
