"""Reads of the ledger: balances in each account's normal direction, checks, statements."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, F, QuerySet, Sum, Value
from django.db.models.functions import Abs, Coalesce

from minzheng.core.scope import scope_queryset

from .models import ZERO, Account, JournalEntry, JournalLine

_ZERO = Value(ZERO, output_field=DecimalField(max_digits=16, decimal_places=2))


def _normal(account: Account, debit: Decimal, credit: Decimal) -> Decimal:
    # SQLite sums decimals without their scale; quantize so 100 reads as 100.00 everywhere.
    value = debit - credit if account.debit_normal else credit - debit
    return Decimal(value).quantize(Decimal("0.01"))


def account_balance(code: str) -> Decimal:
    return Account.objects.get(code=code).balance


def party_balance(code: str, party: str) -> Decimal:
    account = Account.objects.get(code=code)
    sums = JournalLine.objects.filter(account=account, party=party).aggregate(
        d=Coalesce(Sum("debit"), _ZERO), c=Coalesce(Sum("credit"), _ZERO)
    )
    return _normal(account, sums["d"], sums["c"])


def balance_from_lines(account: Account) -> Decimal:
    sums = account.lines.aggregate(
        d=Coalesce(Sum("debit"), _ZERO), c=Coalesce(Sum("credit"), _ZERO)
    )
    return _normal(account, sums["d"], sums["c"])


def trial_balance_problems() -> list[str]:
    """Everything that would mean money was lost: unbalanced entries, cached balances that
    differ from their lines, total debits that differ from total credits."""
    problems = []
    unbalanced = (
        JournalEntry.objects.annotate(
            d=Coalesce(Sum("lines__debit"), _ZERO), c=Coalesce(Sum("lines__credit"), _ZERO)
        )
        # Not `d = c` in SQL: SQLite sums decimal columns as floating point, so an entry
        # of many lines with cents can miss by 1e-11 and be reported although it balances.
        .annotate(diff=Abs(F("d") - F("c")))
        .filter(diff__gte=Decimal("0.005"))
        .values_list("pk", flat=True)
    )
    problems += [f"entry {pk} does not balance" for pk in unbalanced]
    sums = {
        row["account"]: row
        for row in JournalLine.objects.values("account").annotate(d=Sum("debit"), c=Sum("credit"))
    }
    for account in Account.objects.all():
        row = sums.get(account.pk, {"d": ZERO, "c": ZERO})
        derived = _normal(account, row["d"], row["c"])
        if derived != account.balance:
            problems.append(f"{account.code}: balance {account.balance} but lines give {derived}")
    totals = JournalLine.objects.aggregate(
        d=Coalesce(Sum("debit"), _ZERO), c=Coalesce(Sum("credit"), _ZERO)
    )
    if totals["d"] != totals["c"]:
        problems.append(f"total debits {totals['d']} != total credits {totals['c']}")
    return problems


def trial_balance_ok() -> bool:
    return not trial_balance_problems()


def accounts_for(user) -> QuerySet[Account]:
    return scope_queryset(Account.objects.all(), user)


def entries_for(user) -> QuerySet[JournalEntry]:
    return scope_queryset(JournalEntry.objects.all(), user).select_related("created_by")


def account_statement(*, account: Account) -> QuerySet[JournalLine]:
    return account.lines.select_related("entry").order_by("entry__posted_on", "entry_id")


def entry_get(entry_id: int) -> JournalEntry:
    """One entry by id, for a caller that holds its id and has checked its own scope."""
    return JournalEntry.objects.get(pk=entry_id)


def entry_reversal(entry_id: int) -> JournalEntry | None:
    """The entry that reverses `entry_id`, if the ledger has corrected it."""
    return JournalEntry.objects.filter(reverses_id=entry_id).first()
