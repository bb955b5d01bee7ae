"""Online payment callbacks, verified by their HMAC signature, refused when altered or
replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core.validators import name_error

from .. import rules
from ..models import (
    CampaignState,
    Donation,
    DonorKind,
    Method,
    PaymentOrder,
)
from .common import PaymentRefused
from .donations import DonationInput, _Clean, _designation, _donation_write


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
