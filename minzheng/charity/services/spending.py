"""Spending requests against a fund or campaign, approved by a second person, never below the
balance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.permissions import require_perm
from minzheng.core.validators import date_error, name_error, validate_event_date
from minzheng.ledger import accounts
from minzheng.ledger import services as ledger

from .. import rules
from ..models import (
    CampaignState,
    Purpose,
    Spending,
)
from ..workflows import SPENDING
from .common import SpendingConflict
from .donations import _designation
from .funds import _require_own, fund_account


@dataclass
class SpendingInput:
    purpose: str
    description: str
    amount: str | Decimal
    payee_name: str
    spent_on: dt.date
    campaign_id: int | None = None
    fund_id: int | None = None
    charity_id: int | None = None
    beneficiary_count: int = 0
    beneficiary_note: str = ""
    beneficiary_ids: tuple[int, ...] = ()


def spending_request(
    *, actor, data: SpendingInput, idempotency_key: str | None = None, documents=()
) -> Spending:
    """The maker's request; approval by another staff member of the organisation moves the money."""
    from minzheng.core.services import attachment_add, upload_errors

    require_perm(actor, "charity.add_spending")
    key = f"charity.spending:{actor.pk}:{idempotency_key}" if idempotency_key else None
    if key and (existing := Spending.objects.filter(idempotency_key=key).first()):
        return existing
    errors: dict[str, str] = {}
    amount, problem = rules.parse_amount(data.amount)
    errors.update(problem)
    charity, campaign, fund = _designation(data, errors)
    if data.purpose not in Purpose.values:
        errors["purpose"] = _("请选择支出用途。")
    if not (data.description or "").strip():
        errors["description"] = _("请填写支出说明。")
    payee = " ".join((data.payee_name or "").split())
    if not payee:
        errors["payee_name"] = _("请填写收款方。")
    elif name_error(payee):
        errors["payee_name"] = name_error(payee)
    if message := date_error(validate_event_date, data.spent_on):
        errors["spent_on"] = message
    count = data.beneficiary_count or 0
    if count < 0 or count > 10_000_000:
        errors["beneficiary_count"] = _("受益人数不正确。")
    persons = []
    if data.beneficiary_ids:
        from minzheng.registry.models import Person

        persons = list(Person.objects.filter(pk__in=data.beneficiary_ids, is_void=False))
        if len(persons) != len(set(data.beneficiary_ids)):
            errors["beneficiaries"] = _("受助人员不存在。")
        count = max(count, len(persons))
    for i, upload in enumerate(documents):
        errors.update(
            upload_errors(upload, field="documents", allowed=(".pdf", ".jpg", ".jpeg", ".png"))
        )
        if i > 10:
            errors["documents"] = _("附件最多 10 个。")
    if campaign is not None and campaign.state not in (CampaignState.OPEN, CampaignState.CLOSED):
        errors["campaign"] = _("该募捐活动当前“%(state)s”，不能支出。") % {
            "state": campaign.get_state_display()
        }
    if charity is not None and not errors:
        _require_own(actor, charity, "fund" if fund else "campaign")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        spending = Spending.objects.create(
            charity=charity,
            division_id=charity.division_id,
            campaign=campaign,
            fund=fund,
            purpose=data.purpose,
            description=data.description.strip()[:200],
            amount=amount,
            payee_name=payee,
            spent_on=data.spent_on,
            beneficiary_count=count,
            beneficiary_note=data.beneficiary_note.strip()[:200],
            requested_by=actor,
            idempotency_key=key,
        )
        if persons:
            spending.beneficiaries.set(persons)
        workflow.start(workflow=SPENDING, obj=spending, name="request", actor=actor)
        for upload in documents:
            attachment_add(
                actor=actor,
                owner=spending,
                upload=upload,
                kind="支出凭证",
                allowed=(".pdf", ".jpg", ".jpeg", ".png"),
            )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=spending,
            summary=f"支出申请 {amount} 元",
        )
    return spending


def spending_approve(*, actor, spending: Spending, reason: str = "") -> Spending:
    """The checker approves: Dr the fund / Cr the organisation's bank. The fund's balance
    moves by the ledger's conditional UPDATE (`balance >= amount`), so of two approvals
    for the last money one is refused (SpendingConflict) and writes nothing."""
    require_perm(actor, "charity.approve_spending")
    _require_own(actor, spending.charity, "state")
    if spending.requested_by_id == actor.pk:
        raise ValidationError(
            {"approved_by": _("不能审核自己提出的支出申请，请由另一位工作人员审核。")}
        )
    SPENDING.find(spending.state, name="approve")
    fund = fund_account(campaign=spending.campaign, fund=spending.fund, charity=spending.charity)
    bank = accounts.charity_bank_code(spending.charity.organisation_id)
    try:
        with transaction.atomic():
            entry = ledger.entry_post(
                actor=actor,
                lines=[
                    ledger.Line(fund, debit=spending.amount, party=spending.charity.party),
                    ledger.Line(bank, credit=spending.amount),
                ],
                memo=f"支出 {spending.get_purpose_display()} {spending.payee_name}",
                source=f"charity.spending:{spending.pk}",
                idempotency_key=f"charity.spending:{spending.pk}",
                on=spending.spent_on,
                division_code=spending.division_id,
            )
            workflow.move(
                workflow=SPENDING,
                obj=spending,
                name="approve",
                actor=actor,
                reason=reason,
                extra_updates={"approved_by": actor, "entry_id": entry.pk},
            )
            audit.record(
                actor=actor,
                action=audit.Action.UPDATE,
                target=spending,
                summary=f"批准支出 {spending.amount} 元",
            )
    except ledger.InsufficientFunds as exc:
        raise SpendingConflict({"amount": exc.message_dict["amount"]}) from None
    return spending


def spending_reject(*, actor, spending: Spending, reason: str) -> Spending:
    require_perm(actor, "charity.approve_spending")
    _require_own(actor, spending.charity, "state")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写退回原因。")})
    with transaction.atomic():
        workflow.move(
            workflow=SPENDING, obj=spending, name="reject", actor=actor, reason=reason.strip()
        )
    return spending
