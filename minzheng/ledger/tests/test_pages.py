from decimal import Decimal

import pytest

from minzheng.ledger import services
from minzheng.ledger.models import JournalEntry


@pytest.fixture
def budget(db):
    services.account_open(code="BANK", name="银行存款", kind="bank")
    return services.account_open(
        code="BUDGET:TA:2026", name="临时救助 2026 年预算", kind="budget", year=2026
    )


@pytest.mark.django_db
def test_officer_funds_a_budget_and_reverses_it(client, district_officer, budget):
    client.force_login(district_officer)
    response = client.post(
        "/staff/ledger/fund/",
        {"account": "BUDGET:TA:2026", "amount": "5000.00", "memo": "下达预算", "key": "k-1"},
    )
    assert response.status_code == 302
    budget.refresh_from_db()
    assert budget.balance == Decimal("5000.00")
    entry = JournalEntry.objects.get()
    page = client.get(f"/staff/ledger/entries/{entry.pk}/").content.decode()
    assert "5,000.00" in page and "生成冲销凭证" in page
    client.post(f"/staff/ledger/entries/{entry.pk}/", {"reason": "文件号录错"})
    budget.refresh_from_db()
    assert budget.balance == Decimal("0.00") and JournalEntry.objects.count() == 2
    assert "账务核对通过" in client.get("/staff/ledger/").content.decode()


@pytest.mark.django_db
def test_bad_amount_writes_nothing(client, district_officer, budget):
    client.force_login(district_officer)
    response = client.post(
        "/staff/ledger/fund/",
        {"account": "BUDGET:TA:2026", "amount": "-5", "memo": "x", "key": "k-2"},
    )
    assert response.status_code == 200 and JournalEntry.objects.count() == 0


@pytest.mark.django_db
def test_leader_reads_but_cannot_fund_or_reverse(client, leader, district_officer, budget):
    entry = services.budget_fund(
        actor=district_officer, account=budget, amount=Decimal("100"), memo="m", idempotency_key="k"
    )
    client.force_login(leader)
    assert client.get("/staff/ledger/").status_code == 200
    assert client.get("/staff/ledger/fund/").status_code == 403
    client.post(f"/staff/ledger/entries/{entry.pk}/", {"reason": "x"})
    assert JournalEntry.objects.count() == 1


@pytest.mark.django_db
def test_town_worker_sees_only_own_reserve(client, guicheng_worker, budget):
    services.account_open(
        code="RESERVE:440605011000",
        name="桂城街道备用金",
        kind="reserve",
        division_code="440605011000",
    )
    services.account_open(
        code="RESERVE:440605121000",
        name="九江镇备用金",
        kind="reserve",
        division_code="440605121000",
    )
    client.force_login(guicheng_worker)
    page = client.get("/staff/ledger/").content.decode()
    assert "桂城街道备用金" in page and "九江镇备用金" not in page and "BUDGET:TA:2026" not in page
    codes = [a["code"] for a in client.get("/api/v1/ledger/accounts/").json()["results"]]
    assert codes == ["RESERVE:440605011000"]


@pytest.mark.django_db
def test_a_lines_party_is_shown_by_name_not_by_code(client, district_officer, budget):
    from minzheng.registry.models import Organisation

    home = Organisation.objects.create(
        name="南海区殡仪馆", kind="institution", division_id="440605000000"
    )
    services.account_open(code="PAYABLE:TA", name="临时救助应付", kind="payable")
    entry = services.entry_post(
        actor=district_officer,
        memo="测试",
        source="test",
        idempotency_key="party-1",
        lines=[
            services.Line("BANK", debit=Decimal("10.00")),
            services.Line("PAYABLE:TA", credit=Decimal("6.00"), party="id:abcdef0123456789"),
            services.Line("PAYABLE:TA", credit=Decimal("4.00"), party=f"org:{home.pk}"),
        ],
    )
    client.force_login(district_officer)
    page = client.get(f"/staff/ledger/entries/{entry.pk}/").content.decode()
    assert "南海区殡仪馆" in page and "申请人（按身份证号登记）" in page
    assert "org:" not in page and "id:abcdef" not in page
