"""The chart of accounts: every account code and how each account is opened.

Codes: `BANK` (the bureau's relief-fund bank account), `FUNDING:<year>`,
`BUDGET:<owner>:<year>` (a programme's or a station's budget of a year),
`RESERVE:<town code>` (a town's 先行救助 reserve), `PAYABLE:<owner>` (what is owed to
payees; the payee is the line's `party`). Apps that move money name accounts through these
functions and post through `ledger.services.entry_post`; none imports the ledger's models.
Opening is idempotent, so a posting opens the accounts it needs first.
"""

from __future__ import annotations

from . import services

BANK = "BANK"
BANK_NAME = "区民政局救助资金账户"


def funding_code(year: int) -> str:
    return f"FUNDING:{year}"


def budget_code(owner_code: str, year: int) -> str:
    return f"BUDGET:{owner_code}:{year}"


def reserve_code(town_code: str) -> str:
    return f"RESERVE:{town_code}"


def payable_code(owner_code: str) -> str:
    return f"PAYABLE:{owner_code}"


def town_of(division_code: str) -> str:
    """The town (镇街) code a 12-digit division code belongs to: its reserve's owner."""
    return division_code[:9] + "000"


def open_bank():
    return services.account_open(code=BANK, name=BANK_NAME, kind="bank")


def open_budget(owner_code: str, owner_name: str, year: int):
    return services.account_open(
        code=budget_code(owner_code, year),
        name=f"{owner_name} {year} 年预算",
        kind="budget",
        year=year,
    )


def open_reserve(town_code: str, town_name: str = ""):
    return services.account_open(
        code=reserve_code(town_code),
        name=f"{town_name or town_code} 临时救助备用金",
        kind="reserve",
        division_code=town_code,
    )


def open_payable(owner_code: str, owner_name: str):
    return services.account_open(
        code=payable_code(owner_code), name=f"{owner_name} 应付救助款", kind="payable"
    )


# Charities (minzheng.charity): each organisation holds its own money, apart from the
# bureau's. `CHARITY_BANK:<org>` (debit-normal: the organisation's bank and cash),
# `CHARITY_GOODS:<org>` (debit-normal: gifts in kind at their valuation) and restricted or
# unrestricted funds `CHARITY_FUND:<owner>` of kind budget, so that the posting service's
# conditional UPDATE refuses any spending below zero.


def charity_bank_code(org_id: int) -> str:
    return f"CHARITY_BANK:{org_id}"


def charity_goods_code(org_id: int) -> str:
    return f"CHARITY_GOODS:{org_id}"


def charity_fund_code(owner: str) -> str:
    """owner: "campaign:<id>", "fund:<id>" or "unrestricted:<org id>"."""
    return f"CHARITY_FUND:{owner}"


def open_charity_bank(org_id: int, org_name: str, division_code: str):
    return services.account_open(
        code=charity_bank_code(org_id),
        name=f"{org_name} 银行存款",
        kind="bank",
        division_code=division_code,
    )


def open_charity_goods(org_id: int, org_name: str, division_code: str):
    return services.account_open(
        code=charity_goods_code(org_id),
        name=f"{org_name} 受赠实物",
        kind="bank",
        division_code=division_code,
    )


def open_charity_fund(owner: str, name: str, division_code: str):
    return services.account_open(
        code=charity_fund_code(owner), name=name[:120], kind="budget", division_code=division_code
    )
