"""Donations in money and in kind, designated to a campaign, a named fund or unrestricted; each
posted to the ledger with its receipt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm
from minzheng.core.validators import date_error, name_error, validate_event_date
from minzheng.ledger import accounts
from minzheng.ledger import services as ledger
from minzheng.registry import pii
from minzheng.registry import selectors as registry_selectors
from minzheng.registry import validators as reg_validators

from .. import rules
from ..models import (
    Campaign,
    CampaignState,
    Charity,
    Donation,
    DonorKind,
    Method,
    NamedFund,
)
from .funds import _require_own, fund_account
from .receipts import _receipt_issue


@dataclass
class DonationInput:
    amount: str | Decimal
    method: str
    donor_name: str
    donor_kind: str
    received_on: dt.date
    campaign_id: int | None = None
    fund_id: int | None = None
    charity_id: int | None = None  # for an unrestricted gift
    anonymous: bool = False
    donor_id_number: str = ""
    donor_credit_code: str = ""
    item: str = ""
    quantity: str | Decimal | None = None
    unit: str = ""
    valuation_basis: str = ""
    reference: str = ""


@dataclass
class _Clean:
    charity: Charity
    campaign: Campaign | None
    fund: NamedFund | None
    amount: Decimal
    donation: Donation


def _designation(data, errors) -> tuple[Charity | None, Campaign | None, NamedFund | None]:
    campaign = fund = charity = None
    if data.campaign_id and data.fund_id:
        errors["fund"] = _("一笔捐赠只能指定一个募捐活动或一个冠名基金。")
        return None, None, None
    if data.campaign_id:
        campaign = Campaign.objects.select_related("charity").filter(pk=data.campaign_id).first()
        if campaign is None:
            errors["campaign"] = _("募捐活动不存在。")
        else:
            charity = campaign.charity
    elif data.fund_id:
        fund = NamedFund.objects.select_related("charity").filter(pk=data.fund_id).first()
        if fund is None:
            errors["fund"] = _("冠名基金不存在。")
        else:
            charity = fund.charity
    elif data.charity_id:
        charity = Charity.objects.filter(pk=data.charity_id).first()
        if charity is None:
            errors["charity"] = _("慈善组织不存在。")
    else:
        errors["campaign"] = _("请选择募捐活动、冠名基金或非限定性捐赠的组织。")
    return charity, campaign, fund


def _validate_donation(data: DonationInput, *, errors: dict) -> _Clean | None:
    amount, problem = rules.parse_amount(data.amount)
    errors.update(problem)
    charity, campaign, fund = _designation(data, errors)
    if data.method not in Method.values:
        errors["method"] = _("请选择捐赠方式：银行转账、现金、网上支付或实物。")
    if data.donor_kind not in DonorKind.values:
        errors["donor_kind"] = _("请选择捐赠人类型：个人或单位。")
    donor_name = " ".join((data.donor_name or "").split())
    if not donor_name:
        errors["donor_name"] = _("请填写捐赠人名称（匿名捐赠也须登记，公开时不显示）。")
    elif name_error(donor_name) or len(donor_name) > 100:
        errors["donor_name"] = name_error(donor_name) or _("名称过长。")
    if message := date_error(validate_event_date, data.received_on):
        errors["received_on"] = message
    elif data.received_on > timezone.localdate():
        errors["received_on"] = _("收到日期不能晚于今天。")
    if campaign is not None and "received_on" not in errors:
        if campaign.state != CampaignState.OPEN:
            errors["campaign"] = _("该募捐活动当前“%(state)s”，不能接受捐赠。") % {
                "state": campaign.get_state_display()
            }
        elif not campaign.starts_on <= data.received_on <= campaign.ends_on:
            errors["received_on"] = _("收到日期不在募捐活动期间（%(a)s 至 %(b)s）。") % {
                "a": campaign.starts_on,
                "b": campaign.ends_on,
            }
    donation = Donation(
        method=data.method,
        donor_kind=data.donor_kind,
        donor_name=donor_name,
        anonymous=bool(data.anonymous),
        received_on=data.received_on,
        reference=(data.reference or "").strip()[:64],
    )
    if data.donor_id_number:
        try:
            info = reg_validators.parse_id_number(data.donor_id_number)
        except ValidationError as e:
            errors["donor_id_number"] = e.messages[0]
        else:
            donation.donor_id_number = info.number
            donation.donor_id_hash = pii.blind_index(info.number, kind="id")
            donation.donor_id_masked = reg_validators.mask_id_number(info.number)
            donation.donor_person = registry_selectors.person_by_id_number(info.number)
    if data.donor_credit_code:
        try:
            donation.donor_credit_code = reg_validators.validate_uscc(data.donor_credit_code)
        except ValidationError as e:
            errors["donor_credit_code"] = e.messages[0]
        else:
            from minzheng.registry.models import Organisation

            donation.donor_organisation = Organisation.objects.filter(
                credit_code=donation.donor_credit_code, is_void=False
            ).first()
    if data.method == Method.IN_KIND:
        if not (data.item or "").strip():
            errors["item"] = _("实物捐赠请填写物品名称。")
        quantity, problem = rules.parse_amount(data.quantity, field="quantity")
        errors.update({k: _("请填写大于零的数量。") for k in problem})
        if not (data.unit or "").strip():
            errors["unit"] = _("请填写计量单位。")
        if not (data.valuation_basis or "").strip():
            errors["valuation_basis"] = _("请填写估值依据（发票、市场价格或评估报告）。")
        donation.item, donation.quantity = (data.item or "").strip(), quantity
        donation.unit, donation.valuation_basis = (
            (data.unit or "").strip(),
            (data.valuation_basis or "").strip(),
        )
    if errors:
        return None
    return _Clean(charity, campaign, fund, amount, donation)


def _project_name(clean) -> str:
    if clean.campaign is not None:
        return clean.campaign.title
    if clean.fund is not None:
        return clean.fund.name
    return _("非限定性捐赠")


def donation_record(
    *, actor, data: DonationInput, idempotency_key: str | None = None
) -> tuple[Donation, bool]:
    """Record one gift by the organisation's staff: posts to the ledger and, for money,
    issues the receipt with the next number of the year. Returns (donation, created); the
    same idempotency key again returns the first donation and writes nothing."""
    require_perm(actor, "charity.add_donation")
    key = f"charity.donation:{actor.pk}:{idempotency_key}" if idempotency_key else None
    if key and (existing := Donation.objects.filter(idempotency_key=key).first()):
        return existing, False
    errors: dict[str, str] = {}
    clean = _validate_donation(data, errors=errors)
    if clean is not None:
        _require_own(actor, clean.charity, "fund" if clean.fund else "campaign")
    if errors:
        raise ValidationError(errors)
    try:
        donation = _donation_write(clean, actor=actor, key=key)
    except IntegrityError:
        if key and (existing := Donation.objects.filter(idempotency_key=key).first()):
            return existing, False
        raise ValidationError({"reference": _("该交易流水号已登记过。")}) from None
    return donation, True


def _donation_write(clean: _Clean, *, actor, key: str | None, by_staff: bool = True) -> Donation:
    d = clean.donation
    d.charity, d.campaign, d.fund, d.amount = (
        clean.charity,
        clean.campaign,
        clean.fund,
        clean.amount,
    )
    d.division_id, d.idempotency_key = clean.charity.division_id, key
    d.recorded_by = actor if by_staff else None
    debit = (
        accounts.charity_goods_code(clean.charity.organisation_id)
        if d.method == Method.IN_KIND
        else accounts.charity_bank_code(clean.charity.organisation_id)
    )
    credit = fund_account(campaign=clean.campaign, fund=clean.fund, charity=clean.charity)
    with transaction.atomic():
        d.save()
        entry = ledger.entry_post(
            actor=actor,
            lines=[
                ledger.Line(debit, debit=d.amount),
                ledger.Line(credit, credit=d.amount, party=clean.charity.party),
            ],
            memo=f"捐赠 {_project_name(clean)} {d.public_name}",
            source=f"charity.donation:{d.pk}",
            idempotency_key=f"charity.donation:{d.pk}",
            on=d.received_on,
            division_code=d.division_id,
        )
        Donation.objects.filter(pk=d.pk).update(entry_id=entry.pk)
        d.entry_id = entry.pk
        if d.is_money:
            _receipt_issue(
                donation=d,
                project=_project_name(clean),
                donor_name=d.donor_name,
                actor=actor,
                on=d.received_on,
            )
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=d, summary=f"登记捐赠 {d.amount} 元"
        )
    return d
