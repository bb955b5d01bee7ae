"""Every write of the charity app.

Money: a donation posts Dr the organisation's bank (or goods, for gifts in kind) / Cr the
fund it is designated to; an approved spending posts Dr the fund / Cr the bank. Funds are
ledger accounts of kind budget, so the ledger's one conditional UPDATE per account refuses
any spending that would take a fund below zero, whatever the concurrency.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.permissions import require_perm
from minzheng.core.validators import date_error, name_error, validate_event_date
from minzheng.ledger import accounts
from minzheng.ledger import services as ledger
from minzheng.registry import pii
from minzheng.registry import selectors as registry_selectors
from minzheng.registry import validators as reg_validators

from . import rules
from .models import (
    AnnualReport,
    Campaign,
    CampaignState,
    Charity,
    CharityStaff,
    Disclosure,
    Donation,
    DonorKind,
    Method,
    NamedFund,
    PaymentOrder,
    Purpose,
    Receipt,
    ReceiptCounter,
    Spending,
)
from .workflows import CAMPAIGN, SPENDING


class SpendingConflict(ValidationError):
    """The fund has not enough left: nothing was written (HTTP 409)."""


class PaymentRefused(ValidationError):
    """A payment callback with a wrong signature, a changed amount or a replay."""


# ---------------------------------------------------------------- accounts of the ledger


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


# ---------------------------------------------------------------- organisations


def charity_register(
    *,
    actor,
    organisation,
    status: str,
    recognised_on: dt.date,
    receipt_prefix: str,
    public_fundraising: bool = False,
    fundraising_certificate_no: str = "",
    fundraising_valid_from: dt.date | None = None,
    fundraising_valid_to: dt.date | None = None,
    certificate_valid_to: dt.date | None = None,
    is_demo: bool = False,
) -> Charity:
    """Record a registry organisation's charity status (district officers). Opens its
    bank, goods and unrestricted-fund accounts."""
    require_perm(actor, "charity.add_charity")
    errors: dict[str, str] = {}
    code = organisation.credit_code or ""
    if not code.startswith("5"):
        errors["organisation"] = _(
            "慈善组织应为民政部门登记的社会组织（统一社会信用代码以 5 开头，如 51、52、53）。"
        )
    if Charity.objects.filter(organisation=organisation).exists():
        errors["organisation"] = _("该组织已登记为慈善组织。")
    if status not in Charity.Status.values:
        errors["status"] = _("请选择慈善组织状态。")
    prefix = (receipt_prefix or "").strip().upper()
    if not prefix.isalnum() or not 2 <= len(prefix) <= 8:
        errors["receipt_prefix"] = _("票据号前缀应为 2–8 位字母或数字。")
    elif Charity.objects.filter(receipt_prefix=prefix).exists():
        errors["receipt_prefix"] = _("该票据号前缀已被使用。")
    if public_fundraising and not (fundraising_certificate_no and fundraising_valid_from):
        errors["fundraising_certificate_no"] = _(
            "具有公开募捐资格的，请填写资格证书编号和起始日期。"
        )
    if (
        fundraising_valid_from
        and fundraising_valid_to
        and fundraising_valid_to < fundraising_valid_from
    ):
        errors["fundraising_valid_to"] = _("有效期不能早于起始日期。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        charity = Charity.objects.create(
            organisation=organisation,
            name=organisation.name,
            division_id=organisation.division_id,
            status=status,
            recognised_on=recognised_on,
            certificate_valid_to=certificate_valid_to,
            public_fundraising=public_fundraising,
            fundraising_certificate_no=fundraising_certificate_no,
            fundraising_valid_from=fundraising_valid_from,
            fundraising_valid_to=fundraising_valid_to,
            receipt_prefix=prefix,
            is_demo=is_demo,
        )
        _open_charity_accounts(charity)
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=charity,
            summary=f"登记慈善组织 {charity.name}",
        )
    return charity


def _open_charity_accounts(charity: Charity) -> None:
    org = charity.organisation_id
    accounts.open_charity_bank(org, charity.name, charity.division_id)
    accounts.open_charity_goods(org, charity.name, charity.division_id)
    accounts.open_charity_fund(
        f"unrestricted:{org}", f"{charity.name} 非限定性资金", charity.division_id
    )


def charity_staff_link(*, actor, charity: Charity, user) -> CharityStaff:
    """Link a staff account to one organisation: from then on it sees that one only."""
    require_perm(actor, "charity.add_charitystaff")
    if getattr(user, "kind", "staff") != "staff":
        raise ValidationError({"user": _("只能关联工作人员账号。")})
    with transaction.atomic():
        link, _created = CharityStaff.objects.update_or_create(
            user=user, defaults={"charity": charity}
        )
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=charity,
            summary=f"关联工作人员 {user.username}",
        )
    return link


def fundraising_allowed(charity: Charity, on: dt.date) -> bool:
    return bool(
        charity.public_fundraising
        and charity.status != Charity.Status.REVOKED
        and charity.fundraising_valid_from
        and charity.fundraising_valid_from <= on
        and (charity.fundraising_valid_to is None or on <= charity.fundraising_valid_to)
    )


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


# ---------------------------------------------------------------- donations


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


# ---------------------------------------------------------------- receipts


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


# ---------------------------------------------------------------- spending


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


# ---------------------------------------------------------------- online payment


def payment_key() -> bytes:
    return settings.CHARITY_PAYMENT_KEY.encode()


def payment_sign(body: bytes) -> str:
    """HMAC-SHA256 of the raw callback body, hex: what the provider sends as X-Signature."""
    return hmac.new(payment_key(), body, hashlib.sha256).hexdigest()


GATEWAY_USERNAME = "charity_payment_gateway"


def _gateway_account():
    """The account the ledger names for entries the payment provider caused: inactive,
    no password, no division (it can sign in nowhere and sees nothing)."""
    from minzheng.core.models import User

    user, _created = User.objects.get_or_create(
        username=GATEWAY_USERNAME,
        defaults={"display_name": "网上支付通知", "is_active": False, "kind": User.Kind.STAFF},
    )
    if _created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def payment_order_create(
    *,
    campaign_id: int | None = None,
    fund_id: int | None = None,
    amount,
    donor_name: str,
    anonymous: bool = False,
) -> PaymentOrder:
    """A donor starts an online payment (the provider's page would follow)."""
    errors: dict[str, str] = {}
    value, problem = rules.parse_amount(amount)
    errors.update(problem)
    data = DonationInput(
        amount=amount,
        method=Method.ONLINE,
        donor_name=donor_name,
        donor_kind="person",
        received_on=timezone.localdate(),
        campaign_id=campaign_id,
        fund_id=fund_id,
    )
    charity, campaign, fund = _designation(data, errors)
    if campaign is not None and campaign.state != CampaignState.OPEN:
        errors["campaign"] = _("该募捐活动当前不接受捐赠。")
    name = " ".join((donor_name or "").split())
    if not name or name_error(name):
        errors["donor_name"] = name_error(name) or _("请填写捐赠人名称。")
    if errors:
        raise ValidationError(errors)
    return PaymentOrder.objects.create(
        charity=charity,
        division_id=charity.division_id,
        campaign=campaign,
        fund=fund,
        order_no=f"CP{timezone.now():%Y%m%d}{secrets.token_hex(6).upper()}",
        amount=value,
        donor_name=name[:100],
        anonymous=anonymous,
    )


def payment_callback(*, body: bytes, signature: str) -> Donation:
    """The provider's notice that an order was paid. Verified before anything is read:
    the HMAC signature of the raw body (constant-time compare), the amount equal to the
    order's, and the order still unpaid with a trade number never seen (a replay is
    refused). One conditional UPDATE marks the order paid, so two deliveries of the same
    notice record one donation."""
    if not signature or not hmac.compare_digest(payment_sign(body), signature.strip().lower()):
        raise PaymentRefused({"signature": _("签名校验失败，通知被拒绝。")})
    try:
        notice = json.loads(body)
        order_no, trade_no = str(notice["order_no"]), str(notice["trade_no"])
        amount, problem = rules.parse_amount(notice["amount"])
    except (ValueError, KeyError, TypeError):
        raise PaymentRefused({"body": _("通知内容格式不正确。")}) from None
    order = (
        PaymentOrder.objects.select_related("charity", "campaign", "fund")
        .filter(order_no=order_no)
        .first()
    )
    if order is None:
        raise PaymentRefused({"order_no": _("订单不存在。")})
    if problem or amount != order.amount:
        raise PaymentRefused({"amount": _("支付金额与订单金额不一致，通知被拒绝。")})
    if (
        order.status == PaymentOrder.Status.PAID
        or PaymentOrder.objects.filter(trade_no=trade_no).exists()
    ):
        raise PaymentRefused({"trade_no": _("该支付通知已处理过（重复通知），不再入账。")})
    system = _gateway_account()
    today = timezone.localdate()
    clean = _Clean(
        order.charity,
        order.campaign,
        order.fund,
        order.amount,
        Donation(
            method=Method.ONLINE,
            donor_kind=DonorKind.PERSON,
            donor_name=order.donor_name,
            anonymous=order.anonymous,
            received_on=today,
            reference=trade_no[:64],
        ),
    )
    try:
        with transaction.atomic():
            if (
                PaymentOrder.objects.filter(pk=order.pk, status=PaymentOrder.Status.PENDING).update(
                    status=PaymentOrder.Status.PAID, trade_no=trade_no, paid_at=timezone.now()
                )
                != 1
            ):
                raise PaymentRefused({"trade_no": _("该支付通知已处理过（重复通知），不再入账。")})
            donation = _donation_write(
                clean, actor=system, key=f"charity.payment:{order.order_no}", by_staff=False
            )
            PaymentOrder.objects.filter(pk=order.pk).update(donation=donation)
    except IntegrityError:
        raise PaymentRefused(
            {"trade_no": _("该支付通知已处理过（重复通知），不再入账。")}
        ) from None
    return donation


# ---------------------------------------------------------------- disclosure


def disclosure_publish(
    *,
    actor,
    campaign: Campaign,
    kind: str,
    as_of: dt.date | None = None,
    note: str = "",
    on: dt.date | None = None,
) -> Disclosure:
    """Publish the campaign's figures as computed from the records now. A final disclosure
    needs the campaign closed and says what was done with the money left over; it moves
    the campaign to 已公开结项报告."""
    from . import selectors

    require_perm(actor, "charity.add_disclosure")
    _require_own(actor, campaign.charity, "campaign")
    today = timezone.localdate()
    on = on or today  # the day it was published (earlier only when loading past records)
    as_of = as_of or on
    errors = {}
    if on > today:
        errors["on"] = _("公开日期不能晚于今天。")
    if kind not in Disclosure.Kind.values:
        errors["kind"] = _("请选择公开类型。")
    if campaign.state in (CampaignState.DRAFT, CampaignState.FILED):
        errors["campaign"] = _("募捐活动尚未开始，无需公开。")
    if kind == Disclosure.Kind.FINAL:
        if campaign.state != CampaignState.CLOSED:
            errors["kind"] = _("结项公开须在募捐活动结束后发布。")
        if not (note or "").strip():
            errors["note"] = _("结项公开须说明剩余财产的处理情况。")
    if as_of > on:
        errors["as_of"] = _("截至日期不能晚于公开日期。")
    if errors:
        raise ValidationError(errors)
    figures = selectors.campaign_figures(campaign, as_of=as_of).as_json()
    with transaction.atomic():
        disclosure = Disclosure.objects.create(
            campaign=campaign,
            division_id=campaign.division_id,
            kind=kind,
            as_of=as_of,
            published_on=on,
            figures=figures,
            note=(note or "").strip(),
            published_by=actor,
        )
        if kind == Disclosure.Kind.FINAL:
            Campaign.objects.filter(pk=campaign.pk).update(leftover_plan=note.strip())
            workflow.move(
                workflow=CAMPAIGN,
                obj=campaign,
                name="report",
                actor=actor,
                reason=_("发布结项公开"),
            )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=disclosure,
            summary=f"信息公开 {campaign.title}",
        )
    return disclosure


def annual_report_publish(
    *, actor, charity: Charity, year: int, summary: str = "", on: dt.date | None = None
) -> AnnualReport:
    require_perm(actor, "charity.add_disclosure")
    _require_own(actor, charity)
    today = timezone.localdate()
    on = min(on or today, today)
    if not 2000 <= year < today.year:
        raise ValidationError({"year": _("年度报告只能公开已经结束的年度。")})
    if AnnualReport.objects.filter(charity=charity, year=year).exists():
        raise ValidationError({"year": _("该年度报告已公开。")})
    with transaction.atomic():
        report = AnnualReport.objects.create(
            charity=charity,
            division_id=charity.division_id,
            year=year,
            published_on=on,
            summary=summary.strip(),
            published_by=actor,
        )
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=report, summary=f"公开 {year} 年度报告"
        )
    return report
