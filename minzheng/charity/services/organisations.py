"""Charitable organisations (registry organisations with their charity status and fundraising
qualification) and their staff.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm
from minzheng.ledger import accounts

from ..models import (
    Charity,
    CharityStaff,
)


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
