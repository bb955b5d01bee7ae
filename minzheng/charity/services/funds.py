"""The ledger accounts of campaigns, named funds and organisations, and campaigns and named
funds through their declared workflow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.permissions import require_perm
from minzheng.core.validators import date_error, name_error, validate_event_date
from minzheng.ledger import accounts

from .. import rules
from ..models import (
    Campaign,
    Charity,
    CharityStaff,
    NamedFund,
)
from ..workflows import CAMPAIGN
from .organisations import fundraising_allowed


def fund_account(
    *, campaign: Campaign | None = None, fund: NamedFund | None = None, charity=None
) -> str:
    if campaign is not None:
        return accounts.charity_fund_code(f"campaign:{campaign.pk}")
    if fund is not None:
        return accounts.charity_fund_code(f"fund:{fund.pk}")
    return accounts.charity_fund_code(f"unrestricted:{charity.organisation_id}")


def _staff_charity(actor) -> Charity | None:
    link = (
        CharityStaff.objects.filter(user_id=getattr(actor, "pk", None))
        .select_related("charity")
        .first()
    )
    return link.charity if link else None


def _require_own(actor, charity: Charity, field: str = "charity") -> None:
    own = _staff_charity(actor)
    if own is None or own.pk != charity.pk:
        raise ValidationError({field: _("您不是该慈善组织的工作人员，不能办理它的业务。")})


# ---------------------------------------------------------------- campaigns and funds


@dataclass
class CampaignInput:
    kind: str
    title: str
    purpose: str
    starts_on: dt.date
    ends_on: dt.date
    channels: str = ""
    target: str | Decimal | None = None
    filing_number: str = ""


def campaign_create(*, actor, charity: Charity, data: CampaignInput) -> Campaign:
    require_perm(actor, "charity.add_campaign")
    _require_own(actor, charity)
    errors: dict[str, str] = {}
    title = (data.title or "").strip()
    if not title:
        errors["title"] = _("请填写名称。")
    elif name_error(title):
        errors["title"] = name_error(title)
    if not (data.purpose or "").strip():
        errors["purpose"] = _("请填写募捐目的与用途。")
    if data.kind not in Campaign.Kind.values:
        errors["kind"] = _("请选择类型。")
    for field in ("starts_on", "ends_on"):
        if message := date_error(validate_event_date, getattr(data, field)):
            errors[field] = message
    if not errors and data.ends_on < data.starts_on:
        errors["ends_on"] = _("结束日期不能早于开始日期。")
    target = None
    if data.target not in (None, ""):
        target, problem = rules.parse_amount(data.target, field="target")
        errors.update(problem)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            charity=charity,
            division_id=charity.division_id,
            kind=data.kind,
            title=title,
            purpose=data.purpose.strip(),
            channels=data.channels.strip(),
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            target=target,
            filing_number=data.filing_number.strip(),
            created_by=actor,
        )
        workflow.start(workflow=CAMPAIGN, obj=campaign, name="create", actor=actor)
        accounts.open_charity_fund(
            f"campaign:{campaign.pk}", f"{campaign.title}（限定性）", charity.division_id
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=campaign,
            summary=f"新建募捐活动 {title}",
        )
    return campaign


def campaign_move(
    *,
    actor,
    campaign: Campaign,
    name: str,
    reason: str = "",
    filing_number: str = "",
    on: dt.date | None = None,
) -> Campaign:
    """File (备案编号 required for a public fundraising campaign), open (the organisation's
    public-fundraising qualification must be in force), close."""
    move = CAMPAIGN.find(campaign.state, name=name)
    require_perm(actor, move.permission)
    _require_own(actor, campaign.charity, "state")
    on = on or timezone.localdate()
    extra: dict = {}
    if name == "file":
        number = (filing_number or campaign.filing_number).strip()
        if campaign.kind == Campaign.Kind.FUNDRAISING and not number:
            raise ValidationError(
                {"filing_number": _("公开募捐活动须先向民政部门备案，请填写备案编号。")}
            )
        extra["filing_number"] = number
    if (
        name == "open"
        and campaign.kind == Campaign.Kind.FUNDRAISING
        and not fundraising_allowed(campaign.charity, on)
    ):
        raise ValidationError({"state": _("该组织没有有效的公开募捐资格，不能开展公开募捐。")})
    if name == "close":
        extra["closed_on"] = on
    if name == "report":
        raise ValidationError({"state": _("发布结项公开后自动变为“已公开结项报告”。")})
    with transaction.atomic():
        workflow.move(
            workflow=CAMPAIGN,
            obj=campaign,
            name=name,
            actor=actor,
            reason=reason,
            extra_updates=extra,
        )
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=campaign,
            summary=f"{move.label} {campaign.title}",
        )
    return campaign


@dataclass
class FundInput:
    name: str
    founder_name: str
    agreement_signed_on: dt.date
    purposes: str
    agreement_ends_on: dt.date | None = None
    minimum_principal: str | Decimal | None = None
    founder_user_id: int | None = None
    founder_organisation_id: int | None = None


def fund_create(*, actor, charity: Charity, data: FundInput) -> NamedFund:
    require_perm(actor, "charity.add_namedfund")
    _require_own(actor, charity)
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = _("请填写基金名称。")
    if not (data.founder_name or "").strip():
        errors["founder_name"] = _("请填写冠名人/设立人。")
    if not (data.purposes or "").strip():
        errors["purposes"] = _("请填写设立人选定的资金用途。")
    if message := date_error(validate_event_date, data.agreement_signed_on):
        errors["agreement_signed_on"] = message
    if (
        data.agreement_ends_on
        and data.agreement_signed_on
        and data.agreement_ends_on < data.agreement_signed_on
    ):
        errors["agreement_ends_on"] = _("协议到期日期不能早于签订日期。")
    principal = None
    if data.minimum_principal not in (None, ""):
        principal, problem = rules.parse_amount(data.minimum_principal, field="minimum_principal")
        errors.update(problem)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        fund = NamedFund.objects.create(
            charity=charity,
            division_id=charity.division_id,
            name=name,
            founder_name=data.founder_name.strip(),
            founder_user_id=data.founder_user_id,
            founder_organisation_id=data.founder_organisation_id,
            agreement_signed_on=data.agreement_signed_on,
            agreement_ends_on=data.agreement_ends_on,
            minimum_principal=principal,
            purposes=data.purposes.strip(),
        )
        accounts.open_charity_fund(f"fund:{fund.pk}", f"{name}（冠名基金）", charity.division_id)
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=fund, summary=f"设立冠名基金 {name}"
        )
    return fund
