"""Return costs in the ledger: one balanced entry per return with costs, charged to the
station's return budget of the return's year; nothing for a free return; when the budget
cannot pay, the return is recorded and its costs are posted once the budget is funded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.core.models import OperationLog
from minzheng.ledger import selectors as ledger_selectors
from minzheng.ledger.models import Account, JournalEntry
from minzheng.ledger.services import entry_reverse
from minzheng.rescue import services
from minzheng.rescue.models import Case, Notice, ReturnHome

from .conftest import intake, return_input

BUDGET_2021 = "BUDGET:rescue_return:2021"
RETURN_FORM = {
    "destination": "广西玉林",
    "escort": "张三",
    "transport": "火车",
    "handover_to": "family",
    "handover_name": "黄女士",
    "return_date": "2021-03-20",
    "cost_transport": "120.50",
}


def _lines(entry: JournalEntry) -> list[tuple[str, Decimal, Decimal]]:
    return [
        (line.account.code, line.debit, line.credit)
        for line in entry.lines.select_related("account").order_by("id")
    ]


@pytest.fixture
def case(rescue_staff, station) -> Case:
    return services.case_intake(actor=rescue_staff, station=station, data=intake())


def test_return_with_costs_posts_one_balanced_entry_to_the_return_budget(
    rescue_staff, case, fund_returns
):
    # given 1,000 元 on the station's 2021 return budget
    fund_returns("1000")
    # when the return is recorded with 356.50 + 80 元
    ret = services.return_record(actor=rescue_staff, case=case, data=return_input())
    # then one entry, Dr budget / Cr BANK 436.50, dated on the return, linked to it
    entries = JournalEntry.objects.filter(source=f"rescue.case:{case.pk}")
    assert entries.count() == 1
    entry = entries.get()
    assert ret.ledger_entry_id == entry.pk
    assert ReturnHome.objects.get(pk=ret.pk).ledger_entry_id == entry.pk
    assert _lines(entry) == [
        (BUDGET_2021, Decimal("436.50"), Decimal("0.00")),
        ("BANK", Decimal("0.00"), Decimal("436.50")),
    ]
    assert entry.total == Decimal("436.50")
    assert entry.posted_on == dt.date(2021, 3, 20)
    assert entry.division_id == "440605000000"
    assert entry.idempotency_key == f"rescue.return:{case.pk}"
    assert entry.memo == (
        f"救助站送返经费 {case.number}（交通 356.50 元，餐食 80.00 元，其他 0.00 元）"
    )
    assert entry.created_by == rescue_staff
    # and the ledger balances after
    assert Account.objects.get(code=BUDGET_2021).balance == Decimal("563.50")
    assert Account.objects.get(code=BUDGET_2021).name == "救助站送返经费 2021 年预算"
    assert Account.objects.get(code="BANK").balance == Decimal("563.50")
    assert ledger_selectors.trial_balance_ok()
    assert (
        OperationLog.objects.filter(
            summary=f"送返 {case.number} 费用 436.50 元，已记账 {entry.number}"
        ).count()
        == 1
    )


def test_costs_are_charged_to_the_budget_of_the_return_year(rescue_staff, station, fund_returns):
    fund_returns("500", year=2022)
    case = services.case_intake(
        actor=rescue_staff, station=station, data=intake(found_date=dt.date(2021, 12, 28))
    )
    ret = services.return_record(
        actor=rescue_staff,
        case=case,
        data=return_input(
            return_date=dt.date(2022, 1, 3), cost_transport="0", cost_meals="0", cost_other="45.20"
        ),
    )
    assert _lines(ret.ledger_entry) == [
        ("BUDGET:rescue_return:2022", Decimal("45.20"), Decimal("0.00")),
        ("BANK", Decimal("0.00"), Decimal("45.20")),
    ]
    assert Account.objects.get(code="BUDGET:rescue_return:2022").balance == Decimal("454.80")


def test_return_without_costs_posts_nothing(rescue_staff, case):
    ret = services.return_record(
        actor=rescue_staff, case=case, data=return_input(cost_transport="0", cost_meals="")
    )
    assert ret.ledger_entry is None
    assert JournalEntry.objects.count() == 0 and Account.objects.count() == 0
    case.refresh_from_db()
    assert case.state == "returned"


def test_exhausted_budget_records_the_return_unposted_then_posts_once_funded(
    rescue_staff, case, fund_returns
):
    """The person has been taken home: that is recorded whatever the accounts say. The
    costs wait, visibly, until the budget is funded; nothing is written to the ledger."""
    fund_returns("100")
    entries = JournalEntry.objects.count()
    ret = services.return_record(actor=rescue_staff, case=case, data=return_input())
    case.refresh_from_db()
    assert case.state == "returned" and ret.ledger_entry_id is None
    assert ret.cost_total == Decimal("436.50")
    assert Notice.objects.get(case=case).status != "published"
    assert JournalEntry.objects.count() == entries
    assert Account.objects.get(code=BUDGET_2021).balance == Decimal("100.00")
    assert OperationLog.objects.filter(summary__endswith="，未记账").count() == 1
    with pytest.raises(services.CostsNotPosted) as exc:  # still short: refused, nothing written
        services.return_costs_post(actor=rescue_staff, ret=ret)
    assert exc.value.messages == [
        "送返费用未能记账：救助站送返经费 2021 年预算 余额不足：可用 100.00 元，"
        "本次需要 436.50 元。请联系区民政局科室向该预算拨款，拨款后在案件页点击“费用记账”。"
    ]
    assert JournalEntry.objects.count() == entries
    fund_returns("400")
    entry = services.return_costs_post(actor=rescue_staff, ret=ret)
    assert entry.total == Decimal("436.50") and ReturnHome.objects.get().ledger_entry == entry
    assert Account.objects.get(code=BUDGET_2021).balance == Decimal("63.50")


def test_unfunded_budget_records_the_return_without_an_entry(rescue_staff, case):
    ret = services.return_record(actor=rescue_staff, case=case, data=return_input(cost_meals="0"))
    assert ret.cost_total == Decimal("356.50") and ret.ledger_entry_id is None
    assert JournalEntry.objects.count() == 0


def test_return_costs_post_posts_an_unposted_return_once(rescue_staff, case, fund_returns):
    # given a return recorded without its entry (as before rescue posted, or the demo's past returns)
    fund_returns("1000")
    ret = ReturnHome.objects.create(
        case=case,
        destination="广西玉林",
        escort="张三",
        transport="火车",
        handover_to="family",
        handover_name="黄女士",
        return_date=dt.date(2021, 3, 20),
        cost_transport=Decimal("120.00"),
        cost_meals=Decimal("60.00"),
        created_by=rescue_staff,
    )
    entry = services.return_costs_post(actor=rescue_staff, ret=ret)
    again = services.return_costs_post(actor=rescue_staff, ret=ReturnHome.objects.get(pk=ret.pk))
    assert again.pk == entry.pk
    assert JournalEntry.objects.filter(source=f"rescue.case:{case.pk}").count() == 1
    assert ReturnHome.objects.get(pk=ret.pk).ledger_entry_id == entry.pk
    assert ret.history.first().ledger_entry_id == entry.pk
    assert Account.objects.get(code=BUDGET_2021).balance == Decimal("820.00")


def test_return_page_posts_and_detail_shows_the_entry(rescue_staff, case, fund_returns, client):
    fund_returns("1000")
    client.force_login(rescue_staff)
    response = client.post(
        f"/staff/rescue/cases/{case.pk}/return/",
        RETURN_FORM,
    )
    assert response.status_code == 302
    entry = JournalEntry.objects.get(source=f"rescue.case:{case.pk}")
    assert entry.total == Decimal("120.50")
    page = client.get(f"/staff/rescue/cases/{case.pk}/").content.decode()
    assert f"已记账 凭证号 {entry.number}" in page
    # rescue staff may not open ledger pages: the number is shown without a link
    assert f"/staff/ledger/entries/{entry.pk}/" not in page
    returns = client.get("/staff/rescue/returns/").content.decode()
    assert entry.number in returns


def test_return_page_warns_when_costs_wait_and_the_button_posts_them(
    rescue_staff, case, client, fund_returns
):
    client.force_login(rescue_staff)
    response = client.post(f"/staff/rescue/cases/{case.pk}/return/", RETURN_FORM, follow=True)
    page = response.content.decode()
    assert "已送返结案" in page and "送返费用未能记账" in page
    assert "费用尚未记账。" in page and "费用记账</button>" in page
    assert JournalEntry.objects.count() == 0
    post_url = f"/staff/rescue/cases/{case.pk}/return/post-costs/"
    assert client.get(post_url).status_code == 405
    refused = client.post(post_url, follow=True).content.decode()
    assert "余额不足" in refused and JournalEntry.objects.count() == 0
    fund_returns("1000")
    page = client.post(post_url, follow=True).content.decode()
    entry = JournalEntry.objects.get(source=f"rescue.case:{case.pk}")
    assert f"送返费用已记账，凭证号 {entry.number}。" in page
    assert f"已记账 凭证号 {entry.number}" in page and "费用记账</button>" not in page


def test_officer_sees_link_and_reversal_on_the_case_page(
    rescue_staff, district_officer, case, fund_returns, client
):
    fund_returns("1000")
    ret = services.return_record(actor=rescue_staff, case=case, data=return_input())
    reversal = entry_reverse(actor=district_officer, entry=ret.ledger_entry, reason="金额录错")
    client.force_login(district_officer)
    page = client.get(f"/staff/rescue/cases/{case.pk}/").content.decode()
    assert (
        f'<a href="/staff/ledger/entries/{ret.ledger_entry_id}/">{ret.ledger_entry.number}</a>'
        in page
    )
    assert (
        f'已冲销 <a href="/staff/ledger/entries/{reversal.pk}/">{reversal.number}</a>（金额录错）'
        in page
    )
    assert Account.objects.get(code=BUDGET_2021).balance == Decimal("1000.00")


def test_other_town_worker_cannot_see_the_return_or_its_entry(
    rescue_staff, jiujiang_rescue, case, fund_returns, client
):
    fund_returns("1000")
    ret = services.return_record(actor=rescue_staff, case=case, data=return_input())
    client.force_login(jiujiang_rescue)
    assert client.get(f"/staff/rescue/cases/{case.pk}/").status_code == 404
    returns = client.get("/staff/rescue/returns/")
    assert returns.status_code == 200
    assert ret.ledger_entry.number not in returns.content.decode()


def test_other_town_worker_cannot_post_a_return_s_costs(
    rescue_staff, jiujiang_rescue, case, client
):
    ret = services.return_record(actor=rescue_staff, case=case, data=return_input())
    assert ret.ledger_entry_id is None  # the budget is not funded: the costs wait
    client.force_login(jiujiang_rescue)
    assert client.post(f"/staff/rescue/cases/{case.pk}/return/post-costs/").status_code == 404
    assert JournalEntry.objects.count() == 0
