"""Posting money movements. `entry_post` is the only way a balance changes.

Callers are other services (programmes, funeral settlements, disbursements): they check
their own permissions; the ledger checks that every entry balances and that no budget or
reserve goes below zero.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit

from .models import ZERO, Account, JournalEntry, JournalLine

CENT = Decimal("0.01")


class InsufficientFunds(ValidationError):
    """A budget or reserve would go below zero; nothing was posted."""


@dataclass(frozen=True)
class Line:
    account: str  # account code
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    party: str = ""  # who the line concerns, e.g. "person:12", "org:3"


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def account_open(
    *, code: str, name: str, kind: str, division_code: str | None = None, year: int | None = None
) -> Account:
    """Open an account once (idempotent): the same code returns the existing account."""
    if kind not in Account.Kind.values:
        raise ValidationError({"kind": _("未知的科目类型：%(kind)s") % {"kind": kind}})
    account, _created = Account.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": kind,
            "division_id": division_code or settings.MINZHENG_DISTRICT_CODE,
            "year": year,
        },
    )
    if account.kind != kind:
        raise ValidationError({"code": _("科目 %(code)s 已存在且类型不同。") % {"code": code}})
    return account


def _validate(lines: list[Line]) -> tuple[list[Line], dict[str, Account]]:
    if not lines:
        raise ValidationError({"lines": _("凭证至少需要一条分录。")})
    clean = []
    for line in lines:
        debit, credit = money(line.debit or 0), money(line.credit or 0)
        if (debit > 0) == (credit > 0) or debit < 0 or credit < 0:
            raise ValidationError({"lines": _("每条分录必须只有借方或只有贷方，且金额大于零。")})
        clean.append(Line(line.account, debit, credit, line.party[:40]))
    debits, credits = sum(x.debit for x in clean), sum(x.credit for x in clean)
    if debits != credits:
        raise ValidationError(
            {"lines": _("借贷不平衡：借方 %(d)s 元，贷方 %(c)s 元。") % {"d": debits, "c": credits}}
        )
    accounts = {a.code: a for a in Account.objects.filter(code__in={x.account for x in clean})}
    missing = sorted({x.account for x in clean} - accounts.keys())
    if missing:
        raise ValidationError({"lines": _("科目不存在：%(codes)s") % {"codes": "、".join(missing)}})
    return clean, accounts


def entry_post(
    *,
    actor,
    lines: list[Line],
    memo: str,
    source: str,
    idempotency_key: str,
    on: dt.date | None = None,
    division_code: str | None = None,
    reverses: JournalEntry | None = None,
    reason: str = "",
) -> JournalEntry:
    """Post one balanced entry; the same idempotency key twice returns the first entry.

    Each account's balance moves by one conditional UPDATE, taken in account-id order
    inside the caller's transaction: a budget or reserve update only succeeds while enough
    is left, so two concurrent approvals for the last of a budget cannot both succeed.
    """
    existing = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    clean, accounts = _validate(lines)
    deltas: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in clean:
        account = accounts[line.account]
        change = line.debit - line.credit
        deltas[account.pk] += change if account.debit_normal else -change
    by_pk = {a.pk: a for a in accounts.values()}
    try:
        with transaction.atomic():
            for pk in sorted(deltas):
                delta, account = deltas[pk], by_pk[pk]
                rows = Account.objects.filter(pk=pk)
                if delta < 0 and account.kind in Account.NON_NEGATIVE:
                    rows = rows.filter(balance__gte=-delta)
                if rows.update(balance=F("balance") + delta) != 1:
                    available = Account.objects.get(pk=pk).balance
                    raise InsufficientFunds(
                        {
                            "amount": _(
                                "%(name)s 余额不足：可用 %(avail)s 元，本次需要 %(need)s 元。"
                            )
                            % {"name": account.name, "avail": available, "need": -delta}
                        }
                    )
            entry = JournalEntry.objects.create(
                posted_on=on or timezone.localdate(),
                memo=memo[:200],
                source=source[:80],
                idempotency_key=idempotency_key,
                division_id=division_code or settings.MINZHENG_DISTRICT_CODE,
                reverses=reverses,
                reason=reason[:200],
                total=sum(x.debit for x in clean),
                created_by=actor,
            )
            JournalLine.objects.bulk_create(
                [
                    JournalLine(
                        entry=entry,
                        account=accounts[x.account],
                        party=x.party,
                        debit=x.debit,
                        credit=x.credit,
                    )
                    for x in clean
                ]
            )
            audit.record(
                actor=actor,
                action=audit.Action.CREATE,
                target=entry,
                summary=f"记账 {entry.number} {memo[:60]} {entry.total} 元",
            )
    except IntegrityError:
        # The same key was posted concurrently: the first one stands.
        existing = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing
    return entry


def entry_reverse(*, actor, entry: JournalEntry, reason: str) -> JournalEntry:
    """Correct an entry with its mirror image; the original stays as it was."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写冲销原因。")})
    if entry.reverses_id is not None:
        raise ValidationError({"entry": _("冲销凭证不能再次冲销。")})
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise ValidationError({"entry": _("该凭证已冲销。")})
    mirror = [
        Line(line.account.code, debit=line.credit, credit=line.debit, party=line.party)
        for line in entry.lines.select_related("account")
    ]
    return entry_post(
        actor=actor,
        lines=mirror,
        memo=f"冲销 {entry.number}：{reason}",
        source=entry.source,
        idempotency_key=f"reverse:{entry.pk}",
        division_code=entry.division_id,
        reverses=entry,
        reason=reason,
    )


def budget_fund(
    *, actor, account: Account, amount: Decimal, memo: str, idempotency_key: str
) -> JournalEntry:
    """Put money on a budget or reserve: Dr BANK / Cr the account (district officers)."""
    from minzheng.core.permissions import require_perm

    require_perm(actor, "ledger.add_journalentry")
    if account.kind not in Account.NON_NEGATIVE:
        raise ValidationError({"account": _("只能向预算或备用金科目拨款。")})
    if money(amount) <= 0:
        raise ValidationError({"amount": _("金额必须大于零。")})
    bank = account_open(code="BANK", name=_("银行存款"), kind=Account.Kind.BANK)
    return entry_post(
        actor=actor,
        lines=[Line(bank.code, debit=amount), Line(account.code, credit=amount)],
        memo=memo,
        source=f"ledger.fund:{account.code}",
        idempotency_key=idempotency_key,
        division_code=account.division_id,
    )
