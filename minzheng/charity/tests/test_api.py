import datetime as dt
import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from minzheng.charity import services
from minzheng.charity.models import Donation, Spending
from minzheng.ledger.models import JournalEntry

from .conftest import gift, spend

pytestmark = pytest.mark.django_db


def client_for(user=None) -> APIClient:
    c = APIClient()
    if user is not None:
        c.force_authenticate(user)
    return c


def body(campaign, **over):
    return {
        "campaign": campaign.pk,
        "amount": "100000.00",
        "method": "bank_transfer",
        "donor_name": "某建设有限公司",
        "donor_kind": "organisation",
        "anonymous": False,
        "received_on": "2021-06-01",
        **over,
    }


def test_post_donation_answers_201_with_receipt_and_a_replay_answers_the_first(maker, campaign):
    c = client_for(maker)
    r = c.post(
        "/api/v1/charity/donations/", body(campaign), format="json", HTTP_IDEMPOTENCY_KEY="abc"
    )
    assert r.status_code == 201, r.content
    assert (r.json()["receipt_number"], r.json()["amount"]) == ("NHCS2021000001", "100000.00")
    again = c.post(
        "/api/v1/charity/donations/",
        body(campaign, amount="5"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc",
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == r.json()["id"] and Donation.objects.count() == 1


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"amount": "0"}, "amount", "金额必须大于零。"),
        ({"amount": "-3"}, "amount", "金额必须大于零。"),
        ({"amount": "1.001"}, "amount", "金额最多两位小数（精确到分）。"),
    ],
)
def test_post_donation_bad_amount_is_400_and_writes_nothing(maker, campaign, over, field, message):
    r = client_for(maker).post("/api/v1/charity/donations/", body(campaign, **over), format="json")
    assert r.status_code == 400 and r.json() == {field: [message]}
    assert Donation.objects.count() == 0 and JournalEntry.objects.count() == 0


def test_post_donation_by_another_organisation_is_400(other_staff, campaign):
    r = client_for(other_staff).post("/api/v1/charity/donations/", body(campaign), format="json")
    assert r.status_code == 400 and r.json() == {
        "campaign": ["您不是该慈善组织的工作人员，不能办理它的业务。"]
    }


def test_post_donation_needs_staff_with_permission(guicheng_worker, campaign):
    assert client_for().post(
        "/api/v1/charity/donations/", body(campaign), format="json"
    ).status_code in (401, 403)
    assert (
        client_for(guicheng_worker)
        .post("/api/v1/charity/donations/", body(campaign), format="json")
        .status_code
        == 403
    )


def test_public_campaigns_and_disclosure(
    maker, checker, charity, campaign, django_assert_num_queries
):
    services.campaign_create(
        actor=maker,
        charity=charity,
        data=services.CampaignInput(
            kind="project",
            title="草稿项目",
            purpose="p",
            starts_on=dt.date(2021, 1, 1),
            ends_on=dt.date(2021, 2, 1),
        ),
    )
    gift(maker, amount="1000", campaign=campaign, donor_name="黄小明", anonymous=True)
    s = spend(maker, amount="400", campaign=campaign, purpose="medical_staff", beneficiary_count=12)
    services.spending_approve(actor=checker, spending=s)
    c = client_for()
    with django_assert_num_queries(1):
        r = c.get("/api/v1/charity/campaigns/")
    assert [x["title"] for x in r.json()] == ["你我同心齐防疫"]
    r = c.get(f"/api/v1/charity/campaigns/{campaign.pk}/disclosure/")
    d = r.json()
    assert (d["raised"], d["spent"], d["balance"], d["beneficiaries"], d["donors_anonymous"]) == (
        "1000.00",
        "400.00",
        "600.00",
        12,
        1,
    )
    assert d["latest_donors"] == [
        {"name": "匿名", "amount": "1000.00", "received_on": "2021-06-01"}
    ]
    assert "黄小明" not in r.content.decode()
    draft = services.campaign_create(
        actor=maker,
        charity=charity,
        data=services.CampaignInput(
            kind="project",
            title="草稿2",
            purpose="p",
            starts_on=dt.date(2021, 1, 1),
            ends_on=dt.date(2021, 2, 1),
        ),
    )
    assert c.get(f"/api/v1/charity/campaigns/{draft.pk}/disclosure/").status_code == 404


def test_spending_api_conflict_is_409_and_self_approval_400(maker, checker, campaign):
    gift(maker, amount="100", campaign=campaign)
    r = client_for(maker).post(
        "/api/v1/charity/spendings/",
        {
            "campaign": campaign.pk,
            "purpose": "supplies",
            "description": "口罩",
            "amount": "150.00",
            "payee_name": "医药公司",
            "spent_on": "2021-06-10",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    own = client_for(maker).post(f"/api/v1/charity/spendings/{pk}/approve/")
    assert own.status_code == 400 and "不能审核自己提出的支出申请" in own.json()["approved_by"][0]
    before = JournalEntry.objects.count()
    r = client_for(checker).post(f"/api/v1/charity/spendings/{pk}/approve/")
    assert r.status_code == 409 and "余额不足" in r.json()["amount"][0]
    assert (
        JournalEntry.objects.count() == before and Spending.objects.get(pk=pk).state == "requested"
    )


def test_spending_of_another_organisation_is_404(maker, other_staff, campaign):
    gift(maker, amount="100", campaign=campaign)
    s = spend(maker, amount="50", campaign=campaign)
    assert (
        client_for(other_staff).post(f"/api/v1/charity/spendings/{s.pk}/approve/").status_code
        == 404
    )


def test_fund_statement_for_staff_founder_and_nobody_else(
    maker, make_staff, charity, officer, fund, other_staff
):
    from minzheng.core.models import User

    founder = User.objects.create(username="founder", kind="resident")
    fund.founder_user = founder
    fund.save(update_fields=["founder_user"])
    gift(maker, amount="100000", fund=fund, donor_name="某建设有限公司", donor_kind="organisation")
    url = f"/api/v1/charity/funds/{fund.pk}/statement/"
    assert client_for(maker).get(url).json()["balance"] == "100000.00"
    assert client_for(founder).get(url).json()["received"] == "100000.00"
    stranger = User.objects.create(username="stranger", kind="resident")
    assert client_for(stranger).get(url).status_code == 404
    assert client_for(other_staff).get(url).status_code == 404


def test_payment_callback_endpoint(maker, campaign):
    order = services.payment_order_create(
        campaign_id=campaign.pk, amount="20.00", donor_name="王五"
    )
    raw = json.dumps({"order_no": order.order_no, "trade_no": "T9", "amount": "20.00"}).encode()
    c = client_for()
    bad = c.post(
        "/api/v1/charity/payments/callback/",
        raw,
        content_type="application/json",
        HTTP_X_SIGNATURE="00",
    )
    assert bad.status_code == 400 and bad.json() == {"signature": ["签名校验失败，通知被拒绝。"]}
    sig = services.payment_sign(raw)
    ok = c.post(
        "/api/v1/charity/payments/callback/",
        raw,
        content_type="application/json",
        HTTP_X_SIGNATURE=sig,
    )
    assert ok.status_code == 200 and ok.json()["receipt_number"].startswith("NHCS")
    replay = c.post(
        "/api/v1/charity/payments/callback/",
        raw,
        content_type="application/json",
        HTTP_X_SIGNATURE=sig,
    )
    assert replay.status_code == 400 and "重复通知" in replay.json()["trade_no"][0]
    assert Donation.objects.get().amount == Decimal("20.00")
