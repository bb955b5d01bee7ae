"""Plain rules of the charity app: amounts in capital numerals, money input, and the
disclosure due dates of 《慈善组织信息公开办法》 (民政部令第81号, in force 2026-01-01)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACE = ("", "拾", "佰", "仟")
GROUP = ("", "万", "亿", "万亿")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")


def amount_in_words(amount: Decimal) -> str:
    """Capital Chinese numerals as on a receipt: 100000 → 壹拾万元整, 1005.05 →
    壹仟零伍元零伍分. A zero between non-zero digits (or leading a group after a
    higher one) is written once; zeros that end a group are not written."""
    amount = Decimal(amount).quantize(CENT)
    if amount < 0:
        raise ValueError("amount_in_words() takes a non-negative amount")
    fen_total = int(amount * 100)
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    out: list[str] = []
    if yuan:
        groups = []
        n = yuan
        while n:
            n, g = divmod(n, 10000)
            groups.append(g)
        pending_zero = False
        for gi in range(len(groups) - 1, -1, -1):
            g = groups[gi]
            digits = f"{g:04d}"
            for pi, ch in enumerate(digits):
                d = int(ch)
                if d == 0:
                    if out:
                        pending_zero = True
                    continue
                if pending_zero:
                    out.append("零")
                    pending_zero = False
                out.append(DIGITS[d] + PLACE[3 - pi])
            if g:
                out.append(GROUP[gi])
                pending_zero = False
            elif out:
                pending_zero = True
        out.append("元")
    if jiao == 0 and fen == 0:
        return ("".join(out) or "零元") + "整"
    if jiao:
        out.append(DIGITS[jiao] + "角")
    elif yuan:
        out.append("零")
    if fen:
        out.append(DIGITS[fen] + "分")
    else:
        out.append("整")
    return "".join(out)


def parse_amount(value, *, field: str = "amount") -> tuple[Decimal | None, dict[str, str]]:
    """A yuan amount typed or sent as text: positive, at most two decimals."""
    text = str(value if value is not None else "").strip().replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None, {field: _("金额格式不正确，请填写以元为单位的数字，最多两位小数。")}
    if not amount.is_finite():
        return None, {field: _("金额格式不正确，请填写以元为单位的数字，最多两位小数。")}
    if amount <= 0:
        return None, {field: _("金额必须大于零。")}
    if amount != amount.quantize(CENT):
        return None, {field: _("金额最多两位小数（精确到分）。")}
    if amount > MAX_AMOUNT:
        return None, {field: _("金额过大。")}
    return amount.quantize(CENT), {}


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# 民政部令第81号: a campaign or project running longer than six months discloses at least every
# three months while it runs, and in full (with what was done with property left over)
# within three months of its end; the annual report by 31 May of the next year.
LONG_RUN_MONTHS = 6
PERIODIC_MONTHS = 3
FINAL_MONTHS = 3


@dataclass(frozen=True)
class Due:
    kind: str  # "periodic" | "final" | "annual"
    due_on: dt.date
    done_on: dt.date | None

    def status(self, today: dt.date) -> str:
        if self.done_on is not None:
            return "done"
        return "overdue" if today > self.due_on else "due"


def runs_long(starts_on: dt.date, ends_on: dt.date) -> bool:
    return ends_on > add_months(starts_on, LONG_RUN_MONTHS)


def campaign_dues(
    *,
    starts_on: dt.date,
    ends_on: dt.date,
    closed_on: dt.date | None,
    periodic_done: list[dt.date],
    final_done: dt.date | None,
    today: dt.date | None = None,
) -> list[Due]:
    """Every disclosure a campaign owes up to `today` (and the next one), with when it was
    made. `periodic_done` are the published periodic disclosures' dates, oldest first.

    Periodic: while the campaign runs longer than six months, three months after the start,
    then three months after each periodic disclosure, until it ends; the first one not
    made is the last listed. Final: three months after it ends (the day it was closed,
    else its planned end)."""
    dues: list[Due] = []
    end = closed_on or ends_on
    if runs_long(starts_on, ends_on):
        anchor = starts_on
        done = sorted(periodic_done)
        while True:
            due_on = add_months(anchor, PERIODIC_MONTHS)
            if due_on >= end:
                break
            made = next((d for d in done if d > anchor), None)
            dues.append(Due("periodic", due_on, made))
            if made is None:
                break
            anchor = made
    dues.append(Due("final", add_months(end, FINAL_MONTHS), final_done))
    return dues


def annual_report_due(year: int) -> dt.date:
    return dt.date(year + 1, 5, 31)


# Nanhai's rule for how much of a named fund must be spent each year was not found; Shenzhen
# practice is at least 20 % (shared reference data, section Charity): illustrative.
# (key, name, value, type, unit, valid_from, source, illustrative): migration 0002 creates
# them through core.services.parameters_ensure_defaults.
PARAMETER_DEFAULTS = [
    (
        "charity_fund_min_spend_share",
        "冠名基金年度最低支出比例",
        "20",
        "decimal",
        "%",
        dt.date(2020, 1, 1),
        "深圳市冠名基金管理实践（示例值，南海区规定未找到）",
        True,
    ),
]
