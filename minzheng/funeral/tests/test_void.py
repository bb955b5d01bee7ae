"""Voiding (作废) a wrongly recorded service before it is settled: the service, the page and
the API. Money: a voided service gives back what its grant took (Dr PAYABLE / Cr BUDGET)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from minzheng.core.models import OperationLog
from minzheng.funeral import roles, selectors, services
from minzheng.funeral.models import ServiceRecord
from minzheng.funeral.statements import statement_for
from minzheng.ledger.models import JournalEntry
from minzheng.ledger.selectors import account_balance, party_balance
from minzheng.programs.models import Application, Transition

from .conftest import GUICHENG, JIUJIANG, service_input

PAYABLE = "PAYABLE:funeral_fee_waiver"
BUDGET_2021 = "BUDGET:funeral_fee_waiver:2021"
MARCH = dt.date(2021, 3, 1)
APRIL_6 = dt.date(2021, 4, 6)


def _record(actor, home, **overrides):
    return services.service_record(actor=actor, data=service_input(home, **overrides))


def _written():
    """Rows a void writes: history, audit, transitions, journal entries."""
    return (
        ServiceRecord.history.count(),
        OperationLog.objects.filter(action="delete").count(),
        Transition.objects.count(),
        JournalEntry.objects.count(),
    )


def test_void_excludes_the_record_from_totals_settlement_and_statistics(home_staff, home, officer):
    # given two 800 元 services in March 2021
    kept = _record(home_staff, home, deceased_name="保留")
    wrong = _record(home_staff, home, deceased_name="错登")
    assert party_balance(PAYABLE, home.party) == Decimal("1600.00")

    # when the home voids the wrong one
    services.service_void(actor=home_staff, record=wrong, reason="  登记错人 ")

    # then it stays, marked, and counts nowhere
    wrong.refresh_from_db()
    assert (wrong.void_reason, wrong.voided_by, wrong.settlement_id) == (
        "登记错人",
        home_staff,
        None,
    )
    assert wrong.voided_at is not None and wrong.void_entry_id is not None
    app = Application.objects.get(pk=wrong.application_id)
    assert (app.state, app.limit_key) == ("withdrawn", None)
    assert party_balance(PAYABLE, home.party) == Decimal("800.00")
    assert account_balance(BUDGET_2021) == Decimal("99200.00")
    assert selectors.exemption_totals(start=MARCH, end=dt.date(2021, 3, 31)) == {
        "count": 1,
        "total": Decimal("800.00"),
    }
    assert [
        (r["count"], r["total"]) for r in selectors.month_overview(user=officer, year=2021)
    ] == [(1, Decimal("800.00"))]
    assert services.month_totals(selectors.service_list(user=officer)) == (1, Decimal("800.00"))
    assert list(selectors.service_list(user=officer, status="voided")) == [wrong]
    assert selectors.service_list(user=officer, status="all").count() == 2
    assert selectors.service_count(home_staff) == 1
    st = statement_for(home=home, month=MARCH)
    assert (st.count, st.total, [s.pk for s in st.services]) == (1, Decimal("800.00"), [kept.pk])
    settlement = services.settlement_post(actor=officer, home=home, month=MARCH, on=APRIL_6)
    assert (settlement.service_count, settlement.total) == (1, Decimal("800.00"))
    assert party_balance(PAYABLE, home.party) == Decimal("0.00")
    wrong.refresh_from_db()
    assert wrong.settlement_id is None


def test_a_voided_deceased_can_be_recorded_again(home_staff, home):
    wrong = _record(home_staff, home, quantities={"cremation": 1})
    services.service_void(actor=home_staff, record=wrong, reason="项目填错")
    again = _record(home_staff, home, deceased_id_number=wrong.deceased_id_number)
    assert (again.deceased_id_hash, again.amount) == (wrong.deceased_id_hash, Decimal("800.00"))
    assert ServiceRecord.objects.count() == 2
    assert ServiceRecord.objects.live().get() == again


def test_void_writes_history_audit_and_the_application_timeline(home_staff, home):
    record = _record(home_staff, home)
    services.service_void(actor=home_staff, record=record, reason="重复登记")
    last = record.history.first()
    assert (last.history_type, last.history_user, last.history_change_reason, last.void_reason) == (
        "~",
        home_staff,
        "重复登记",
        "重复登记",
    )
    assert record.history.count() == 2  # created, voided
    log = OperationLog.objects.get(action="delete")
    assert (log.user, log.target_type, log.target_id, log.detail) == (
        home_staff,
        "funeral.servicerecord",
        str(record.pk),
        {"reason": "重复登记"},
    )
    assert log.summary == f"作废殡葬费用免除 {record.application.number} 800.00 元：重复登记"
    step = Transition.objects.get(application=record.application, name="void")
    assert (step.from_state, step.to_state, step.reason) == (
        "approved",
        "withdrawn",
        "殡葬费用免除记录作废：重复登记",
    )
    entry = JournalEntry.objects.get(pk=record.void_entry_id)
    assert (entry.total, entry.idempotency_key) == (
        Decimal("800.00"),
        f"programs.void:{record.application_id}",
    )


def test_settled_record_is_refused_until_the_settlement_is_reversed(home_staff, home, officer):
    record = _record(home_staff, home)
    settlement = services.settlement_post(actor=officer, home=home, month=MARCH, on=APRIL_6)
    record.refresh_from_db()
    before = _written()
    with pytest.raises(services.ServiceVoidConflict) as exc:
        services.service_void(actor=officer, record=record, reason="登记错人")
    assert exc.value.message_dict == {
        "state": ["该记录已纳入 2021年3月 月度结算，不能直接作废。请先冲销该月结算，再作废本记录。"]
    }
    assert _written() == before
    record.refresh_from_db()
    assert record.voided_at is None

    services.settlement_reverse(actor=officer, settlement=settlement, reason="有错登记录")
    record.refresh_from_db()
    services.service_void(actor=officer, record=record, reason="登记错人")
    assert party_balance(PAYABLE, home.party) == Decimal("0.00")
    assert account_balance(BUDGET_2021) == Decimal("100000.00")
    with pytest.raises(services.ServiceVoidConflict, match="该记录已作废"):
        services.service_void(actor=officer, record=record, reason="再次")


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "请填写作废原因。"),
        ("   ", "请填写作废原因。"),
        ("错" * 201, "作废原因不能超过 200 个字。"),
    ],
)
def test_bad_reason_writes_nothing(home_staff, home, reason, message):
    record = _record(home_staff, home)
    before = _written()
    with pytest.raises(ValidationError) as exc:
        services.service_void(actor=home_staff, record=record, reason=reason)
    assert exc.value.message_dict == {"reason": [message]}
    assert _written() == before
    record.refresh_from_db()
    assert (record.voided_at, record.void_reason) == (None, "")
    assert party_balance(PAYABLE, home.party) == Decimal("800.00")


def test_void_is_refused_outside_the_home_scope_or_permission(
    home_staff, home, other_staff, guicheng_worker
):
    record = _record(home_staff, home, hukou_division_code=GUICHENG)
    with pytest.raises(PermissionDenied):  # another home's staff
        services.service_void(actor=other_staff, record=record, reason="登记错人")
    with pytest.raises(PermissionDenied):  # the town may view its residents' records only
        services.service_void(actor=guicheng_worker, record=record, reason="登记错人")
    record.refresh_from_db()
    assert record.voided_at is None


# ---------------------------------------------------------------- page


def test_void_button_shows_only_when_allowed(client, home_staff, home, officer, guicheng_worker):
    record = _record(home_staff, home, hukou_division_code=GUICHENG)
    url = reverse("funeral:service", args=[record.pk])
    client.force_login(guicheng_worker)  # may view, may not void
    page = client.get(url).content.decode()
    assert 'data-testid="void"' not in page and "void-needs-reversal" not in page
    client.force_login(home_staff)
    page = client.get(url).content.decode()
    assert 'data-testid="void"' in page
    assert reverse("funeral:service_void", args=[record.pk]) in page
    assert '<label class="form-label" for="id_reason">作废原因' in page

    services.settlement_post(actor=officer, home=home, month=MARCH, on=APRIL_6)
    client.force_login(officer)
    page = client.get(url).content.decode()
    assert 'data-testid="void"' not in page
    assert "本记录已纳入 2021-03 月度结算，不能直接作废；如需作废，请先冲销该月结算。" in page


def test_void_page_posts_and_redirects_with_a_message(client, home_staff, home):
    record = _record(home_staff, home)
    client.force_login(home_staff)
    void_url = reverse("funeral:service_void", args=[record.pk])
    assert client.get(void_url).status_code == 405
    before = _written()
    response = client.post(void_url, {"reason": " "})
    assert response.status_code == 400
    assert "请填写作废原因。" in response.content.decode()
    assert _written() == before

    response = client.post(void_url, {"reason": "重复登记"}, follow=True)
    assert response.redirect_chain == [(reverse("funeral:service", args=[record.pk]), 302)]
    page = response.content.decode()
    assert f"已作废 {record.application.number}，该记录不再计入结算和统计。" in page
    assert 'data-testid="voided-badge"' in page and "重复登记" in page
    assert 'data-testid="void"' not in page
    listing = client.get(reverse("funeral:services")).content.decode()
    assert record.application.number not in listing
    assert "共 0 人，免除金额合计 0.00 元。" in listing
    listing = client.get(reverse("funeral:services"), {"status": "voided"}).content.decode()
    assert record.application.number in listing and "已作废" in listing


def test_another_towns_officer_gets_404_on_the_page_and_the_api(
    client, make_staff, home_staff, home
):
    record = _record(home_staff, home, hukou_division_code=GUICHENG)
    jiujiang = make_staff("jiujiang_funeral", roles.FUNERAL_OFFICER, JIUJIANG)
    client.force_login(jiujiang)
    assert client.get(reverse("funeral:service", args=[record.pk])).status_code == 404
    response = client.post(reverse("funeral:service_void", args=[record.pk]), {"reason": "错"})
    assert response.status_code == 404
    response = client.post(
        f"/api/v1/funeral/services/{record.pk}/void/",
        {"reason": "错"},
        content_type="application/json",
    )
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.voided_at is None


# ---------------------------------------------------------------- API


def test_api_void_answers_200_400_409(client, home_staff, home, officer):
    _record(home_staff, home, deceased_name="同月")
    settled = _record(home_staff, home, deceased_name="已结")
    services.settlement_post(actor=officer, home=home, month=MARCH, on=APRIL_6)
    settled.refresh_from_db()
    voidable = _record(
        home_staff, home, service_date=dt.date(2021, 4, 2), death_date=dt.date(2021, 4, 1)
    )
    client.force_login(home_staff)

    def void(record, reason):
        return client.post(
            f"/api/v1/funeral/services/{record.pk}/void/",
            {"reason": reason},
            content_type="application/json",
        )

    before = _written()
    response = void(voidable, "")
    assert response.status_code == 400 and list(response.json()) == ["reason"]
    assert _written() == before
    response = void(settled, "登记错人")
    assert response.status_code == 409
    assert "请先冲销该月结算" in response.json()["state"][0]
    response = void(voidable, "登记错人")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["void_reason"], body["amount"]) == (
        voidable.pk,
        "voided",
        "登记错人",
        "800.00",
    )
    assert void(voidable, "再次").status_code == 409
    rows = client.get("/api/v1/funeral/services/").json()["results"]
    assert sorted(r["status"] for r in rows) == ["settled", "settled"]
    rows = client.get("/api/v1/funeral/services/", {"status": "voided"}).json()["results"]
    assert [r["id"] for r in rows] == [voidable.pk]
