"""The demo's sandbox payer: pays an online donation as a payment provider would.

Creates a payment order for a campaign or named fund, signs the provider's notice with
settings.CHARITY_PAYMENT_KEY and delivers it — to the service directly, or with --url over
HTTP to a running server's /api/v1/charity/payments/callback/ (loopback only)."""

from __future__ import annotations

import json
import secrets
import urllib.request
from urllib.parse import urlparse

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from minzheng.charity import services


class Command(BaseCommand):
    help = "沙箱支付：模拟网上捐赠的支付结果通知（HMAC 签名）"

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int)
        parser.add_argument("--fund", type=int)
        parser.add_argument("--amount", required=True)
        parser.add_argument("--name", default="网上捐赠人（演示）")
        parser.add_argument("--anonymous", action="store_true")
        parser.add_argument("--url", help="e.g. http://127.0.0.1:8000 (loopback only)")

    def handle(self, *args, **opts):
        try:
            order = services.payment_order_create(
                campaign_id=opts["campaign"],
                fund_id=opts["fund"],
                amount=opts["amount"],
                donor_name=opts["name"],
                anonymous=opts["anonymous"],
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        body = json.dumps(
            {
                "order_no": order.order_no,
                "trade_no": f"SANDBOX{secrets.token_hex(8).upper()}",
                "amount": str(order.amount),
            }
        ).encode()
        signature = services.payment_sign(body)
        if opts["url"]:
            host = urlparse(opts["url"]).hostname
            if host not in ("127.0.0.1", "localhost", "::1"):
                raise CommandError("the sandbox payer posts to a loopback address only")
            request = urllib.request.Request(
                opts["url"].rstrip("/") + "/api/v1/charity/payments/callback/",
                data=body,
                headers={"Content-Type": "application/json", "X-Signature": signature},
            )
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
                self.stdout.write(response.read().decode())
            return
        try:
            donation = services.payment_callback(body=body, signature=signature)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        receipt = donation.receipts.first()
        self.stdout.write(
            f"paid {order.order_no}: donation {donation.pk}, receipt {receipt and receipt.number}"
        )
