"""Return home (送返): handover to the family, the journey and its cost posted to the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm
from minzheng.ledger import accounts
from minzheng.ledger import services as ledger

from ..models import (
    Case,
    CaseState,
    HandoverTo,
    ReturnHome,
)
from ..workflows import CASE
from .moves import _transition
from .notices import _notice_take_down


@dataclass
class ReturnInput:
    destination: str
    escort: str
    transport: str
    handover_to: str
    handover_name: str
    return_date: dt.date | None
    cost_transport: Decimal | str = Decimal("0")
    cost_meals: Decimal | str = Decimal("0")
    cost_other: Decimal | str = Decimal("0")
    note: str = ""


def _money(value) -> Decimal | None:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        return None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount > Decimal("99999999.99"):
        return None
    return amount


# The station's return costs are charged to their own budget line (not an engine programme),
# named like the programmes' budgets so the ledger pages list it with them.
RETURN_BUDGET = "rescue_return"
RETURN_BUDGET_NAME = "救助站送返经费"
COST_FIELDS = ("cost_transport", "cost_meals", "cost_other")


def return_budget_open(year: int):
    """The budget account the station's return costs of one year are charged to (idempotent)."""
    accounts.open_bank()
    return accounts.open_budget(RETURN_BUDGET, RETURN_BUDGET_NAME, year)


class CostsNotPosted(ValidationError):
    """The return's budget cannot pay its costs now (not funded, or exhausted)."""


def _costs_post(*, actor, case: Case, costs: dict[str, Decimal], on: dt.date):
    """Post a return's costs: ONE entry, Dr BUDGET:rescue_return:<year of the return> / Cr
    BANK (the station paid them out of the bureau's account). None when they add up to zero.

    Runs inside the caller's transaction. The ledger takes the budget with one conditional
    UPDATE; an exhausted budget raises CostsNotPosted, with a message that says which
    budget and how much is left."""
    total = ledger.money(sum(costs.values(), Decimal(0)))
    if total == 0:
        return None
    return_budget_open(on.year)
    memo = (
        f"{RETURN_BUDGET_NAME} {case.number}（交通 {costs['cost_transport']:.2f} 元，"
        f"餐食 {costs['cost_meals']:.2f} 元，其他 {costs['cost_other']:.2f} 元）"
    )
    try:
        return ledger.entry_post(
            actor=actor,
            lines=[
                ledger.Line(accounts.budget_code(RETURN_BUDGET, on.year), debit=total),
                ledger.Line(accounts.BANK, credit=total),
            ],
            memo=memo,
            source=f"rescue.case:{case.pk}",
            idempotency_key=f"rescue.return:{case.pk}",
            on=on,
            division_code=case.division_id,
        )
    except ledger.InsufficientFunds as exc:
        raise CostsNotPosted(
            {
                "costs": _(
                    "送返费用未能记账：%(why)s请联系区民政局科室向该预算拨款，拨款后在案件页点击“费用记账”。"
                )
                % {"why": " ".join(exc.messages)}
            }
        ) from exc


def return_record(*, actor, case: Case, data: ReturnInput) -> ReturnHome:
    """Record the return home: closes the case, takes the notice down and posts the costs
    to the ledger (`_costs_post`), all in one transaction. The costs are final here: the
    case closes and rescue has no later step that could change them.

    A person who has been taken home is recorded as such whatever the accounts say: when
    the budget cannot pay now, the return is recorded without an entry (`ret.ledger_entry`
    is None while `ret.cost_total` > 0) and `return_costs_post` posts it once funded."""
    require_perm(actor, "rescue.add_returnhome")
    errors = {}
    for name, label in (
        ("destination", _("送返目的地")),
        ("escort", _("护送人员")),
        ("transport", _("交通方式")),
        ("handover_name", _("接收人/单位")),
    ):
        if not (getattr(data, name) or "").strip():
            errors[name] = _("请填写%(x)s。") % {"x": label}
    if data.handover_to not in HandoverTo.values:
        errors["handover_to"] = _("请选择交接对象。")
    if not data.return_date:
        errors["return_date"] = _("请填写送返日期。")
    elif data.return_date > timezone.localdate():
        errors["return_date"] = _("送返日期不能晚于今天。")
    elif data.return_date < case.found_date:
        errors["return_date"] = _("送返日期不能早于发现日期。")
    costs = {}
    for name in COST_FIELDS:
        costs[name] = _money(getattr(data, name))
        if costs[name] is None:
            errors[name] = _("金额须为不小于 0 的数，最多两位小数（元）。")
    if case.is_closed or hasattr(case, "return_home"):
        errors["destination"] = _("该个案已送返结案。")
    elif not CASE.can(case.state, CaseState.RETURNED):
        errors["destination"] = _("个案当前状态不能送返。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a refused budget writes no ledger row
                entry = _costs_post(actor=actor, case=case, costs=costs, on=data.return_date)
        except CostsNotPosted:
            entry = None
        ret = ReturnHome.objects.create(
            case=case,
            ledger_entry=entry,
            destination=data.destination.strip(),
            escort=data.escort.strip(),
            transport=data.transport.strip(),
            handover_to=data.handover_to,
            handover_name=data.handover_name.strip(),
            return_date=data.return_date,
            note=(data.note or "").strip(),
            created_by=actor,
            **costs,
        )
        _transition(
            case=case,
            to_state=CaseState.RETURNED,
            reason=_("送返：%(d)s") % {"d": ret.destination},
            actor=actor,
        )
        _notice_take_down(case)
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=ret,
            summary=f"送返 {case.number} 费用 {ret.cost_total} 元"
            + (f"，已记账 {entry.number}" if entry else "，未记账" if ret.cost_total else ""),
        )
    return ret


def return_costs_post(*, actor, ret: ReturnHome):
    """Post the costs of a return recorded without an entry (its budget could not pay when it
    was recorded, or it predates the posting; the demo's past returns). Safe to run twice: a
    posted return keeps its entry, and the ledger's idempotency key makes a concurrent second
    call a no-op. Raises CostsNotPosted while the budget still cannot pay."""
    require_perm(actor, "rescue.add_returnhome")
    if ret.ledger_entry_id is not None:
        return ret.ledger_entry
    with transaction.atomic():
        entry = _costs_post(
            actor=actor,
            case=ret.case,
            costs={name: getattr(ret, name) for name in COST_FIELDS},
            on=ret.return_date,
        )
        if entry is None:
            return None
        ret.ledger_entry = entry
        ret.save(update_fields=["ledger_entry"])  # through save(): the history keeps it
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=ret,
            summary=f"送返 {ret.case.number} 费用 {ret.cost_total} 元 记账 {entry.number}",
        )
    return entry
