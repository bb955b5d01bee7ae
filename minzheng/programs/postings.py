"""Every ledger posting the programmes make, in one place.

Accounts are the ledger's chart of accounts (`ledger.accounts`: BANK, BUDGET:<programme>:
<year>, RESERVE:<town>, PAYABLE:<programme>, the payee as the line's party).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from minzheng.ledger import services as ledger
from minzheng.ledger.accounts import (
    BANK,
    budget_code,
    open_bank,
    open_budget,
    open_payable,
    open_reserve,
    payable_code,
    reserve_code,
    town_of,
)


def _line(
    account: str, *, debit: Decimal = Decimal(0), credit: Decimal = Decimal(0), party: str = ""
):
    return ledger.Line(account=account, debit=debit, credit=credit, party=party)


def post(
    *,
    actor,
    lines: list,
    memo: str,
    source: str,
    key: str,
    on: dt.date,
    division_code: str | None = None,
):
    return ledger.entry_post(
        actor=actor,
        lines=lines,
        memo=memo,
        source=source,
        idempotency_key=key,
        on=on,
        division_code=division_code,
    )


def fund_budget(*, actor, programme, year: int, amount: Decimal, on: dt.date):
    """Dr BANK / Cr BUDGET: an appropriation arrives for a programme's year."""
    open_bank()
    open_budget(programme.code, programme.name, year)
    return post(
        actor=actor,
        memo=f"{programme.name} {year} 年预算下达",
        source=f"programs.programme:{programme.pk}",
        key=f"programs.fund:{programme.code}:{year}:{amount}:{on.isoformat()}",
        on=on,
        lines=[_line(BANK, debit=amount), _line(budget_code(programme.code, year), credit=amount)],
    )


def fund_reserve(*, actor, town_code: str, town_name: str, amount: Decimal, on: dt.date):
    """Dr BANK / Cr RESERVE:<town>: a town's reserve fund for 先行救助 is topped up."""
    open_bank()
    open_reserve(town_code, town_name)
    return post(
        actor=actor,
        memo=f"{town_name} 临时救助备用金拨付",
        source=f"programs.reserve:{town_code}",
        division_code=town_code,
        key=f"programs.reserve:{town_code}:{amount}:{on.isoformat()}",
        on=on,
        lines=[_line(BANK, debit=amount), _line(reserve_code(town_code), credit=amount)],
    )


def approval(*, actor, application, on: dt.date):
    """Dr BUDGET / Cr PAYABLE (party = payee). With a fast-path advance the budget also
    replenishes the town reserve: Dr BUDGET max(A, a) / Cr RESERVE a / Cr PAYABLE A − a.

    The ledger takes the budget with one conditional UPDATE inside this transaction, so
    concurrent approvals against one budget cannot overdraw it."""
    p = application.programme
    amount = application.amount
    advance = application.advance_amount or Decimal(0)
    open_budget(p.code, p.name, on.year)
    open_payable(p.code, p.name)
    budget = budget_code(p.code, on.year)
    lines = [_line(budget, debit=max(amount, advance))]
    if advance:
        lines.append(_line(reserve_code(town_of(application.division_id)), credit=advance))
    if amount > advance:
        lines.append(
            _line(payable_code(p.code), credit=amount - advance, party=application.payee_party)
        )
    return post(
        actor=actor,
        lines=lines,
        memo=f"{p.name} 审批 {application.number}",
        on=on,
        source=f"programs.application:{application.pk}",
        key=f"programs.approve:{application.pk}",
        division_code=application.division_id,
    )


def approvals_of_day(
    *, actor, programme, party: str, payee_name: str, on: dt.date, amount: Decimal, count: int
):
    """Dr BUDGET / Cr PAYABLE (party = payee) for one payee's bulk-granted applications of
    one day (`applications_bulk_grant`): one entry where one at a time would post `count`."""
    open_budget(programme.code, programme.name, on.year)
    open_payable(programme.code, programme.name)
    return post(
        actor=actor,
        memo=f"{programme.name} {payee_name} {on.isoformat()} 批量核准（{count} 件）",
        on=on,
        source=f"programs.payee:{party}",
        key=f"programs.approve_bulk:{uuid.uuid4().hex}",
        lines=[
            _line(budget_code(programme.code, on.year), debit=amount),
            _line(payable_code(programme.code), credit=amount, party=party),
        ],
    )


def approval_void(*, actor, application, on: dt.date):
    """A granted application voided before payment gives its money back: Dr PAYABLE (party
    the payee) / Cr BUDGET of the year it was granted."""
    p = application.programme
    return post(
        actor=actor,
        memo=f"{p.name} 作废 {application.number} {application.payee_name}",
        on=on,
        source=f"programs.application:{application.pk}",
        key=f"programs.void:{application.pk}",
        division_code=application.division_id,
        lines=[
            _line(payable_code(p.code), debit=application.amount, party=application.payee_party),
            _line(budget_code(p.code, application.year), credit=application.amount),
        ],
    )


def reserve_replenish(*, actor, application, on: dt.date):
    """A refused fast-path case: the advance was lawfully paid, the budget refills the reserve."""
    p = application.programme
    open_budget(p.code, p.name, on.year)
    a = application.advance_amount
    return post(
        actor=actor,
        memo=f"{p.name} 先行救助不予批准后回补备用金 {application.number}",
        on=on,
        source=f"programs.application:{application.pk}",
        key=f"programs.replenish:{application.pk}",
        division_code=application.division_id,
        lines=[
            _line(budget_code(p.code, on.year), debit=a),
            _line(reserve_code(town_of(application.division_id)), credit=a),
        ],
    )


def advance(*, actor, application, amount: Decimal, on: dt.date):
    """先行救助: Dr RESERVE:<town> / Cr PAYABLE, then paid at once: Dr PAYABLE / Cr BANK."""
    p = application.programme
    town = town_of(application.division_id)
    open_payable(p.code, p.name)
    open_bank()
    src = f"programs.application:{application.pk}"
    post(
        actor=actor,
        memo=f"先行救助 {application.number}",
        source=src,
        key=f"programs.advance:{application.pk}",
        on=on,
        division_code=town,
        lines=[
            _line(reserve_code(town), debit=amount),
            _line(payable_code(p.code), credit=amount, party=application.payee_party),
        ],
    )
    return post(
        actor=actor,
        memo=f"先行救助支付 {application.number}",
        source=src,
        key=f"programs.advance_paid:{application.pk}",
        on=on,
        division_code=town,
        lines=[
            _line(payable_code(p.code), debit=amount, party=application.payee_party),
            _line(BANK, credit=amount),
        ],
    )


def payment_chunk(
    *, actor, batch, lines_with_programme: list[tuple[str, str, Decimal]], key: str, on: dt.date
):
    """One chunk of paid bank lines: Dr PAYABLE (per payee) … / Cr BANK total."""
    total = sum((amount for _c, _p, amount in lines_with_programme), Decimal(0))
    lines = [
        _line(payable_code(code), debit=amount, party=party)
        for code, party, amount in lines_with_programme
    ]
    lines.append(_line(BANK, credit=total))
    return post(
        actor=actor,
        lines=lines,
        memo=f"发放批次 {batch.number} 银行回盘成功",
        source=f"programs.batch:{batch.pk}",
        key=key,
        on=on,
        division_code=batch.division_id,
    )
