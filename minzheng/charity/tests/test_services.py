import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from minzheng.charity import selectors, services
from minzheng.charity.models import Donation, PaymentOrder, Receipt, Spending
from minzheng.ledger import selectors as ledger_q
from minzheng.ledger.accounts import charity_bank_code

from .conftest import gift, spend

pytestmark = pytest.mark.django_db


def _counts():
    from minzheng.ledger.models import JournalEntry

    return (
        Donation.objects.count(),
        Receipt.objects.count(),
        Spending.objects.count(),
        JournalEntry.objects.count(),
    )


def test_a_gift_posts_to_the_campaign_fund_and_gets_a_receipt_in_capital_numerals(
    maker, charity, campaign
):
    d = gift(
        maker,
        amount="100000",
        campaign=campaign,
        donor_name="某建设有限公司",
        donor_kind="organisation",
    )
    code = services.fund_account(campaign=campaign)
    assert ledger_q.account_balance(code) == Decimal("100000.00")
    assert ledger_q.account_balance(charity_bank_code(charity.organisation_id)) == Decimal(
        "100000.00"
    )
    r = d.receipts.get()
    assert (r.number, r.amount_in_words, r.donor_name, r.project) == (
        "NHCS2021000001",
        "壹拾万元整",
        "某建设有限公司",
        "你我同心齐防疫",
    )


def test_receipt_numbers_follow_each_other_per_year(maker, campaign):
    numbers = [gift(maker, amount="10", campaign=campaign).receipts.get().number for _ in range(3)]
    assert numbers == ["NHCS2021000001", "NHCS2021000002", "NHCS2021000003"]


def test_gift_in_kind_posts_to_goods_and_has_no_receipt(maker, charity, campaign):
    d = gift(
        maker,
        amount="3000",
        campaign=campaign,
        method="in_kind",
        item="医用口罩",
        quantity="2000",
        unit="个",
        valuation_basis="购货发票",
    )
    assert d.receipts.count() == 0
    assert ledger_q.account_balance(f"CHARITY_GOODS:{charity.organisation_id}") == Decimal(
        "3000.00"
    )
    assert selectors.campaign_figures(campaign).raised_in_kind == Decimal("3000.00")


@pytest.mark.parametrize(
    ("amount", "field", "message"),
    [
        ("0", "amount", "金额必须大于零。"),
        ("-1", "amount", "金额必须大于零。"),
        ("0.001", "amount", "金额最多两位小数（精确到分）。"),
    ],
)
def test_bad_amounts_write_nothing(maker, campaign, amount, field, message):
    before = _counts()
    with pytest.raises(ValidationError) as e:
        gift(maker, amount=amount, campaign=campaign)
    assert e.value.message_dict[field] == [message]
    assert _counts() == before


def test_gift_to_a_closed_campaign_is_refused(maker, campaign):
    services.campaign_move(actor=maker, campaign=campaign, name="close", on=dt.date(2021, 6, 16))
    before = _counts()
    with pytest.raises(ValidationError) as e:
        gift(maker, campaign=campaign)
    assert e.value.message_dict["campaign"] == ["该募捐活动当前“已结束”，不能接受捐赠。"]
    assert _counts() == before


def test_gift_to_another_organisations_fund_is_refused(other_staff, fund):
    before = _counts()
    with pytest.raises(ValidationError) as e:
        gift(other_staff, fund=fund)
    assert e.value.message_dict["fund"] == ["您不是该慈善组织的工作人员，不能办理它的业务。"]
    assert _counts() == before


def test_the_same_idempotency_key_returns_the_first_gift(maker, campaign):
    first = gift(maker, campaign=campaign, key="k1")
    again = gift(maker, amount="999", campaign=campaign, key="k1")
    assert again.pk == first.pk and Donation.objects.count() == 1 and Receipt.objects.count() == 1


def test_spending_beyond_the_balance_is_a_conflict_and_writes_nothing(maker, checker, campaign):
    gift(maker, amount="500", campaign=campaign)
    s = spend(maker, amount="500.01", campaign=campaign)
    before = _counts()
    with pytest.raises(services.SpendingConflict) as e:
        services.spending_approve(actor=checker, spending=s)
    assert "余额不足：可用 500.00 元，本次需要 500.01 元" in e.value.message_dict["amount"][0]
    assert _counts() == before
    s.refresh_from_db()
    assert s.state == "requested" and s.entry_id is None


def test_approval_moves_the_money_and_counts_beneficiaries(maker, checker, campaign):
    gift(maker, amount="500", campaign=campaign)
    s = spend(maker, amount="200", campaign=campaign, purpose="medical_staff", beneficiary_count=40)
    services.spending_approve(actor=checker, spending=s)
    f = selectors.campaign_figures(campaign)
    assert (f.raised, f.spent, f.balance, f.beneficiaries) == (
        Decimal("500.00"),
        Decimal("200.00"),
        Decimal("300.00"),
        40,
    )
    assert f.by_purpose == [
        {
            "purpose": "medical_staff",
            "label": "慰问医护人员",
            "amount": Decimal("200.00"),
            "beneficiaries": 40,
        }
    ]


def test_approving_ones_own_request_is_refused(maker, campaign):
    gift(maker, amount="500", campaign=campaign)
    s = spend(maker, amount="100", campaign=campaign)
    before = _counts()
    with pytest.raises(ValidationError) as e:
        services.spending_approve(actor=maker, spending=s)
    assert e.value.message_dict["approved_by"] == [
        "不能审核自己提出的支出申请，请由另一位工作人员审核。"
    ]
    assert _counts() == before


def test_a_wrong_receipt_is_voided_kept_and_reissued_with_the_next_number(maker, campaign):
    d = gift(maker, amount="1234.56", campaign=campaign, donor_name="陈大闻")
    old = d.receipts.get()
    new = services.receipt_void_and_reissue(
        actor=maker, receipt=old, reason="捐赠人姓名错误", donor_name="陈大文"
    )
    old.refresh_from_db()
    assert (
        old.voided_at is not None
        and old.void_reason == "捐赠人姓名错误"
        and old.donor_name == "陈大闻"
    )
    from django.utils import timezone

    assert (new.number, new.donor_name, new.replaces_id, new.amount_in_words) == (
        f"NHCS{timezone.localdate().year}000001",
        "陈大文",
        old.pk,
        "壹仟贰佰叁拾肆元伍角陆分",
    )
    with pytest.raises(ValidationError):
        services.receipt_void_and_reissue(actor=maker, receipt=old, reason="again")
    assert Receipt.objects.count() == 2


def test_receipt_pdf_carries_the_chinese_text(maker, campaign):
    import io

    from pypdf import PdfReader

    d = gift(
        maker,
        amount="100000",
        campaign=campaign,
        donor_name="某建设有限公司",
        donor_kind="organisation",
    )
    text = "".join(
        p.extract_text()
        for p in PdfReader(io.BytesIO(services.receipt_pdf(d.receipts.get()))).pages
    )
    for expected in (
        "捐赠票据",
        "NHCS2021000001",
        "某建设有限公司",
        "壹拾万元整",
        "南海慈善会",
        "你我同心齐防疫",
    ):
        assert expected in text


def test_anonymous_donors_never_appear_by_name_in_public(maker, campaign):
    gift(maker, campaign=campaign, donor_name="黄小明", anonymous=True)
    gift(maker, campaign=campaign, donor_name="欧阳丽娜", on=dt.date(2021, 6, 2))
    gift(
        maker,
        campaign=campaign,
        donor_name="某建设有限公司",
        donor_kind="organisation",
        on=dt.date(2021, 6, 3),
    )
    names = [r["name"] for r in selectors.public_donors(campaign)]
    assert names == ["某建设有限公司", "欧**娜", "匿名"]
    f = selectors.campaign_figures(campaign)
    assert (f.donors_person, f.donors_organisation, f.donors_anonymous) == (1, 1, 1)


def test_staff_of_another_organisation_see_none_of_its_records(maker, other_staff, campaign, fund):
    gift(maker, campaign=campaign)
    assert selectors.campaigns_for(other_staff).count() == 0
    assert selectors.donations_for(other_staff).count() == 0
    assert selectors.funds_for(other_staff).count() == 0
    assert selectors.campaigns_for(maker).count() == 1


def test_only_civil_affairs_organisations_may_become_charities(officer):
    from minzheng.registry.services import organisation_register

    from .conftest import credit_code

    company = organisation_register(
        actor=officer,
        name="某公司",
        kind="enterprise",
        division_code="440605011000",
        credit_code=credit_code("91"),
    )
    with pytest.raises(ValidationError) as e:
        services.charity_register(
            actor=officer,
            organisation=company,
            status="recognised",
            recognised_on=dt.date(2020, 1, 1),
            receipt_prefix="XX",
        )
    assert "统一社会信用代码以 5 开头" in e.value.message_dict["organisation"][0]


def test_opening_a_fundraising_campaign_needs_a_valid_qualification(maker, charity):
    charity.public_fundraising = False
    charity.save(update_fields=["public_fundraising"])
    c = services.campaign_create(
        actor=maker,
        charity=charity,
        data=services.CampaignInput(
            kind="fundraising",
            title="t",
            purpose="p",
            starts_on=dt.date(2021, 5, 1),
            ends_on=dt.date(2021, 6, 1),
        ),
    )
    with pytest.raises(ValidationError) as e:
        services.campaign_move(actor=maker, campaign=c, name="file")
    assert e.value.message_dict["filing_number"] == [
        "公开募捐活动须先向民政部门备案，请填写备案编号。"
    ]
    services.campaign_move(actor=maker, campaign=c, name="file", filing_number="X-1")
    with pytest.raises(ValidationError) as e:
        services.campaign_move(actor=maker, campaign=c, name="open", on=dt.date(2021, 5, 1))
    assert e.value.message_dict["state"] == ["该组织没有有效的公开募捐资格，不能开展公开募捐。"]
    c.refresh_from_db()
    assert c.state == "filed"


# ---------------------------------------------------------------- online payment


def _notice(order, **over):
    body = json.dumps(
        {"order_no": order.order_no, "trade_no": "T0001", "amount": str(order.amount), **over}
    ).encode()
    return body, services.payment_sign(body)


def test_a_signed_payment_notice_records_the_gift_once(maker, campaign):
    order = services.payment_order_create(
        campaign_id=campaign.pk, amount="88.80", donor_name="李四"
    )
    body, sig = _notice(order)
    d = services.payment_callback(body=body, signature=sig)
    assert (d.amount, d.method, d.recorded_by_id, d.receipts.get().amount_in_words) == (
        Decimal("88.80"),
        "online",
        None,
        "捌拾捌元捌角整",
    )
    before = _counts()
    with pytest.raises(services.PaymentRefused) as e:
        services.payment_callback(body=body, signature=sig)
    assert e.value.message_dict["trade_no"] == ["该支付通知已处理过（重复通知），不再入账。"]
    assert _counts() == before


def test_payment_notice_with_a_wrong_signature_or_changed_amount_writes_nothing(maker, campaign):
    order = services.payment_order_create(
        campaign_id=campaign.pk, amount="88.80", donor_name="李四"
    )
    body, sig = _notice(order)
    before = _counts()
    with pytest.raises(services.PaymentRefused) as e:
        services.payment_callback(body=body, signature="0" * 64)
    assert e.value.message_dict == {"signature": ["签名校验失败，通知被拒绝。"]}
    changed, changed_sig = _notice(order, amount="888.00")
    with pytest.raises(services.PaymentRefused) as e:
        services.payment_callback(body=changed, signature=changed_sig)
    assert e.value.message_dict == {"amount": ["支付金额与订单金额不一致，通知被拒绝。"]}
    tampered = body.replace(b"88.80", b"888.0")
    with pytest.raises(services.PaymentRefused):
        services.payment_callback(body=tampered, signature=sig)
    assert _counts() == before
    assert PaymentOrder.objects.get().status == "pending"


# ---------------------------------------------------------------- disclosure


def test_final_disclosure_publishes_the_recorded_figures_and_reports_the_campaign(
    maker, checker, campaign
):
    gift(maker, amount="1000", campaign=campaign)
    s = spend(maker, amount="600", campaign=campaign, purpose="supplies")
    services.spending_approve(actor=checker, spending=s)
    with pytest.raises(ValidationError):
        services.disclosure_publish(actor=maker, campaign=campaign, kind="final", note="x")
    services.campaign_move(actor=maker, campaign=campaign, name="close", on=dt.date(2021, 6, 16))
    with pytest.raises(ValidationError) as e:
        services.disclosure_publish(actor=maker, campaign=campaign, kind="final", note="")
    assert e.value.message_dict["note"] == ["结项公开须说明剩余财产的处理情况。"]
    d = services.disclosure_publish(
        actor=maker, campaign=campaign, kind="final", note="余款 400 元转入非限定性资金"
    )
    assert (d.figures["raised"], d.figures["spent"], d.figures["balance"]) == (
        "1000.00",
        "600.00",
        "400.00",
    )
    campaign.refresh_from_db()
    assert campaign.state == "reported"


def test_dues_list_what_is_overdue(maker, campaign):
    services.campaign_move(actor=maker, campaign=campaign, name="close", on=dt.date(2021, 6, 16))
    rows = selectors.dues_for(maker, today=dt.date(2021, 10, 1))
    final = [r for r in rows if r.kind == "final"]
    assert [(r.due_on, r.status) for r in final] == [(dt.date(2021, 9, 16), "overdue")]


def test_fund_statement_for_the_founder(maker, checker, fund):
    gift(
        maker,
        amount="100000",
        fund=fund,
        donor_name="某建设有限公司",
        donor_kind="organisation",
        on=dt.date(2021, 5, 25),
    )
    s = spend(maker, amount="30000", fund=fund, purpose="supplies")
    services.spending_approve(actor=checker, spending=s)
    st = selectors.fund_statement(fund)
    assert (st.received, st.spent, st.balance, st.rule_share, st.yearly_min_spend) == (
        Decimal("100000.00"),
        Decimal("30000.00"),
        Decimal("70000.00"),
        Decimal("20"),
        Decimal("20000.00"),
    )


def test_live_donor_counts_add_new_gifts_to_the_cached_counts(maker, campaign):
    from minzheng.charity.selectors import _live_donation_counts

    gift(maker, campaign=campaign, donor_name="黄小明", anonymous=True)
    assert _live_donation_counts(campaign)["n"] == 1
    gift(maker, campaign=campaign, donor_name="某公司", donor_kind="organisation")
    gift(maker, campaign=campaign, amount="5")
    counts = _live_donation_counts(campaign)
    assert (counts["n"], counts["anon"], counts["orgs"], counts["persons"]) == (3, 1, 1, 1)


def test_raised_by_campaign_and_month_for_the_officers_chart(maker, campaign):
    gift(maker, amount="100", campaign=campaign, on=dt.date(2021, 6, 1))
    gift(maker, amount="50.50", campaign=campaign, on=dt.date(2021, 7, 2))
    gift(maker, amount="20", campaign=campaign, on=dt.date(2021, 7, 3))
    assert selectors.raised_by_campaign_month(maker) == {
        "months": ["2021-06", "2021-07"],
        "series": [{"name": "你我同心齐防疫", "data": ["100.00", "70.50"]}],
    }
