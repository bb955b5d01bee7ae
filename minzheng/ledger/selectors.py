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


def party_labels(parties) -> dict[str, str]:
    """A line's party as people read it: the organisation's or person's name for
    "org:<id>" / "person:<id>", a plain description for an applicant known only by ID
    number ("id:<hash>"), the text itself otherwise. Two queries at most."""
    from django.utils.translation import gettext as _

    from minzheng.registry.selectors import names_by_id

    parties = {p for p in parties if p}
    ids = {"org": set(), "person": set()}
    for party in parties:
        kind, _sep, value = party.partition(":")
        if kind in ids and value.isdigit():
            ids[kind].add(int(value))
    orgs, persons = names_by_id(organisation_ids=ids["org"], person_ids=ids["person"])
    labels = {}
    for party in parties:
        kind, _sep, value = party.partition(":")
        if kind == "org" and value.isdigit() and int(value) in orgs:
            labels[party] = orgs[int(value)]
        elif kind == "person" and value.isdigit() and int(value) in persons:
            labels[party] = persons[int(value)]
        elif kind == "id":
            labels[party] = _("申请人（按身份证号登记）")
        else:
            labels[party] = party
    return labels


def account_totals(code: str, *, until=None) -> tuple[Decimal, Decimal]:
    """(debits, credits) posted to one account, up to and including the date `until`."""
    lines = JournalLine.objects.filter(account__code=code)
    if until is not None:
        lines = lines.filter(entry__posted_on__lte=until)
    sums = lines.aggregate(d=Coalesce(Sum("debit"), _ZERO), c=Coalesce(Sum("credit"), _ZERO))
    q = Decimal("0.01")
    return Decimal(sums["d"]).quantize(q), Decimal(sums["c"]).quantize(q)


def account_balances(codes) -> dict[str, Decimal]:
    """The balances of several accounts by code (accounts not opened are left out)."""
    return dict(Account.objects.filter(code__in=list(codes)).values_list("code", "balance"))


def entries_totals(code: str, entry_ids) -> tuple[Decimal, Decimal]:
    """(debits, credits) that the given entries posted to one account: a handful of lines
    found through the entry index, however many lines the account holds."""
    sums = JournalLine.objects.filter(account__code=code, entry_id__in=list(entry_ids)).aggregate(
        d=Coalesce(Sum("debit"), _ZERO), c=Coalesce(Sum("credit"), _ZERO)
    )
    q = Decimal("0.01")
    return Decimal(sums["d"]).quantize(q), Decimal(sums["c"]).quantize(q)
