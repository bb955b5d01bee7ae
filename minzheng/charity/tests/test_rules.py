import datetime as dt
from decimal import Decimal

import pytest

from minzheng.charity import rules


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("100000", "壹拾万元整"),
        ("530000.00", "伍拾叁万元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角整"),
        ("0", "零元整"),
        ("1005.05", "壹仟零伍元零伍分"),
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("100005", "壹拾万零伍元整"),
        ("101000", "壹拾万壹仟元整"),
        ("100500", "壹拾万零伍佰元整"),
        ("1050", "壹仟零伍拾元整"),
        ("100000005", "壹亿零伍元整"),
        ("120000000", "壹亿贰仟万元整"),
        ("10.30", "壹拾元叁角整"),
    ],
)
def test_amount_in_capital_numerals(amount, words):
    assert rules.amount_in_words(Decimal(amount)) == words


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "金额必须大于零。"),
        ("-5", "金额必须大于零。"),
        ("0.001", "金额最多两位小数（精确到分）。"),
        ("1.005", "金额最多两位小数（精确到分）。"),
        ("abc", "金额格式不正确，请填写以元为单位的数字，最多两位小数。"),
        ("NaN", "金额格式不正确，请填写以元为单位的数字，最多两位小数。"),
    ],
)
def test_bad_amounts_are_refused_with_a_chinese_message(value, message):
    amount, errors = rules.parse_amount(value)
    assert amount is None and errors == {"amount": message}


def test_good_amount_is_two_decimals():
    assert rules.parse_amount("1,000.5") == (Decimal("1000.50"), {})


def test_a_long_campaign_owes_a_disclosure_every_three_months_and_a_final_one():
    dues = rules.campaign_dues(
        starts_on=dt.date(2026, 1, 10),
        ends_on=dt.date(2026, 12, 31),
        closed_on=None,
        periodic_done=[dt.date(2026, 4, 5)],
        final_done=None,
    )
    # Due 04-10, made 04-05; next due three months after that, not yet made; final at end + 3 months.
    assert [(d.kind, d.due_on, d.done_on) for d in dues] == [
        ("periodic", dt.date(2026, 4, 10), dt.date(2026, 4, 5)),
        ("periodic", dt.date(2026, 7, 5), None),
        ("final", dt.date(2027, 3, 31), None),
    ]
    assert dues[1].status(dt.date(2026, 7, 5)) == "due"
    assert dues[1].status(dt.date(2026, 7, 6)) == "overdue"
    assert dues[0].status(dt.date(2026, 7, 6)) == "done"


def test_a_short_campaign_owes_only_the_final_disclosure_from_its_closing_day():
    dues = rules.campaign_dues(
        starts_on=dt.date(2021, 5, 1),
        ends_on=dt.date(2021, 10, 31),
        closed_on=dt.date(2021, 6, 16),
        periodic_done=[],
        final_done=None,
    )
    assert [(d.kind, d.due_on) for d in dues] == [("final", dt.date(2021, 9, 16))]


def test_annual_report_is_due_on_31_may_of_the_next_year():
    assert rules.annual_report_due(2025) == dt.date(2026, 5, 31)


def test_add_months_clamps_to_the_end_of_the_month():
    assert rules.add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
