"""Every write of the charity app.

Money: a donation posts Dr the organisation's bank (or goods, for gifts in kind) / Cr the
fund it is designated to; an approved spending posts Dr the fund / Cr the bank. Funds are
ledger accounts of kind budget, so the ledger's one conditional UPDATE per account refuses
any spending that would take a fund below zero, whatever the concurrency.

One module per concern: `common`, `funds`, `organisations`, `donations`, `receipts`, `spending`, `payments`, `disclosure`; callers import from here (`charity.services.<name>`).
"""

from .common import (
    PaymentRefused,
    SpendingConflict,
)
from .disclosure import (
    annual_report_publish,
    disclosure_publish,
)
from .donations import (
    DonationInput,
    donation_record,
)
from .funds import (
    CampaignInput,
    FundInput,
    campaign_create,
    campaign_move,
    fund_account,
    fund_create,
)
from .organisations import (
    charity_register,
    charity_staff_link,
    fundraising_allowed,
)
from .payments import (
    GATEWAY_USERNAME,
    payment_callback,
    payment_key,
    payment_order_create,
    payment_sign,
)
from .receipts import (
    receipt_number,
    receipt_pdf,
    receipt_void_and_reissue,
)
from .spending import (
    SpendingInput,
    spending_approve,
    spending_reject,
    spending_request,
)

__all__ = [
    "CampaignInput",
    "DonationInput",
    "FundInput",
    "GATEWAY_USERNAME",
    "PaymentRefused",
    "SpendingConflict",
    "SpendingInput",
    "annual_report_publish",
    "campaign_create",
    "campaign_move",
    "charity_register",
    "charity_staff_link",
    "disclosure_publish",
    "donation_record",
    "fund_account",
    "fund_create",
    "fundraising_allowed",
    "payment_callback",
    "payment_key",
    "payment_order_create",
    "payment_sign",
    "receipt_number",
    "receipt_pdf",
    "receipt_void_and_reissue",
    "spending_approve",
    "spending_reject",
    "spending_request",
]
