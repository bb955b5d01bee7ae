import datetime as dt

import pytest
from django.test import Client

from minzheng.charity import services
from minzheng.charity.models import Donation

from .conftest import gift, spend

pytestmark = pytest.mark.django_db


def client_for(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_staff_pages_answer_for_the_organisation(maker, checker, campaign, fund):
    d = gift(maker, amount="100", campaign=campaign)
    s = spend(maker, amount="50", campaign=campaign)
    c = client_for(maker)
    for url in [
        "/staff/charity/",
        f"/staff/charity/campaigns/{campaign.pk}/",
        "/staff/charity/campaigns/new/",
        "/staff/charity/donations/",
        "/staff/charity/donations/new/",
        "/staff/charity/donations/import/",
        "/staff/charity/receipts/",
        "/staff/charity/spendings/",
        f"/staff/charity/spendings/{s.pk}/",
        "/staff/charity/spendings/new/",
        "/staff/charity/funds/new/",
        f"/staff/charity/funds/{fund.pk}/",
        "/staff/charity/stats/",
        f"/staff/charity/receipts/{d.receipts.get().pk}/void/",
    ]:
        assert c.get(url).status_code == 200, url
    pdf = c.get(f"/staff/charity/receipts/{d.receipts.get().pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    xlsx = c.get("/staff/charity/export/donations.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_another_organisations_records_are_404(maker, other_staff, campaign, fund):
    d = gift(maker, amount="100", campaign=campaign)
    s = spend(maker, amount="50", campaign=campaign)
    c = client_for(other_staff)
    for url in [
        f"/staff/charity/campaigns/{campaign.pk}/",
        f"/staff/charity/spendings/{s.pk}/",
        f"/staff/charity/funds/{fund.pk}/",
        f"/staff/charity/receipts/{d.receipts.get().pk}/pdf/",
    ]:
        assert c.get(url).status_code == 404, url
    assert "你我同心齐防疫" not in c.get("/staff/charity/").content.decode()


def test_donation_form_records_a_gift_once_with_its_key(maker, campaign):
    c = client_for(maker)
    data = {
        "designation": f"c{campaign.pk}",
        "amount": "200.00",
        "method": "cash",
        "donor_kind": "person",
        "donor_name": "陈大文",
        "received_on": "2021-06-01",
        "idempotency_key": "form-1",
    }
    assert c.post("/staff/charity/donations/new/", data).status_code == 302
    assert c.post("/staff/charity/donations/new/", data).status_code == 302
    assert Donation.objects.count() == 1
    bad = c.post(
        "/staff/charity/donations/new/", {**data, "amount": "0", "idempotency_key": "form-2"}
    )
    assert bad.status_code == 200 and "金额必须大于零。" in bad.content.decode()
    assert Donation.objects.count() == 1


def test_checker_approves_on_the_page(maker, checker, campaign):
    gift(maker, amount="100", campaign=campaign)
    s = spend(maker, amount="60", campaign=campaign)
    r = client_for(checker).post(
        f"/staff/charity/spendings/{s.pk}/decide/", {"decision": "approve"}
    )
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.state == "approved"


def test_public_pages_show_masked_names_and_no_drafts(maker, charity, campaign):
    gift(maker, amount="100", campaign=campaign, donor_name="欧阳丽娜")
    gift(maker, amount="100", campaign=campaign, donor_name="黄小明", anonymous=True)
    draft = services.campaign_create(
        actor=maker,
        charity=charity,
        data=services.CampaignInput(
            kind="project",
            title="未公开的草稿",
            purpose="p",
            starts_on=dt.date(2021, 1, 1),
            ends_on=dt.date(2021, 2, 1),
        ),
    )
    c = client_for()
    home = c.get("/portal/charity/").content.decode()
    assert "你我同心齐防疫" in home and "未公开的草稿" not in home
    page = c.get(f"/portal/charity/campaigns/{campaign.pk}/").content.decode()
    assert "欧**娜" in page and "匿名" in page and "黄小明" not in page and "欧阳丽娜" not in page
    assert "200.00 元" in page
    assert c.get(f"/portal/charity/campaigns/{draft.pk}/").status_code == 404


def test_founder_sees_the_statement_on_the_portal(maker, fund):
    from minzheng.core.models import User

    founder = User.objects.create(username="founder", kind="resident")
    fund.founder_user = founder
    fund.save(update_fields=["founder_user"])
    gift(maker, amount="100000", fund=fund, donor_name="某建设有限公司", donor_kind="organisation")
    c = client_for(founder)
    assert "龙大慈善基金" in c.get("/portal/charity/funds/").content.decode()
    page = c.get(f"/portal/charity/funds/{fund.pk}/").content.decode()
    assert "100000.00 元" in page
    other = User.objects.create(username="other", kind="resident")
    assert client_for(other).get(f"/portal/charity/funds/{fund.pk}/").status_code == 404


def test_donation_list_query_count_does_not_grow_with_rows(maker, campaign, queries_of):
    c = client_for(maker)
    gift(maker, amount="1", campaign=campaign)
    c.get("/staff/charity/donations/")  # warm: the session and the permission cache
    first = queries_of(lambda: c.get("/staff/charity/donations/"))
    for i in range(5):
        gift(maker, amount=f"{i + 2}", campaign=campaign)
    assert queries_of(lambda: c.get("/staff/charity/donations/")) == first


def test_public_campaign_page_query_count(maker, checker, campaign, django_assert_num_queries):
    for i in range(3):
        gift(maker, amount=f"{i + 1}", campaign=campaign)
    c = client_for()
    c.get(f"/portal/charity/campaigns/{campaign.pk}/")
    with django_assert_num_queries(8):
        c.get(f"/portal/charity/campaigns/{campaign.pk}/")
