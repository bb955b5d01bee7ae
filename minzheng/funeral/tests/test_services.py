import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from minzheng.core.models import PolicyParameter
from minzheng.funeral import services
from minzheng.funeral.models import ServiceRecord, Settlement
from minzheng.funeral.statements import statement_for, statement_pdf, statement_xlsx
from minzheng.ledger.models import JournalEntry
from minzheng.ledger.selectors import account_balance, party_balance
from minzheng.programs.models import Application, Decision

from .conftest import BASIC, GUICHENG, id_number, service_input

PAYABLE = "PAYABLE:funeral_fee_waiver"
BUDGET_2021 = "BUDGET:funeral_fee_waiver:2021"


def counts():
    return (
        ServiceRecord.objects.count(),
        Application.objects.count(),
        Decision.objects.count(),
        JournalEntry.objects.count(),
    )


def test_recording_grants_the_application_and_posts_budget_to_payable(home_staff, home):
    record = services.service_record(
        actor=home_staff,
        data=service_input(home, quantities={**BASIC, "storage": 2, "farewell_hall": 1}),
    )
    assert record.amount == Decimal("1200.00")  # 200 + 50 + 100×2 + 300 + 200 + 50 + 200
    assert [(x["name"], x["qty"], x["amount"]) for x in record.items] == [
        ("遗体接运", 1, "200.00"),
        ("遗体消毒", 1, "50.00"),
        ("遗体存放", 2, "200.00"),
        ("告别厅租用", 1, "300.00"),
        ("遗体火化", 1, "200.00"),
        ("骨灰寄存", 1, "50.00"),
        ("骨灰盒", 1, "200.00"),
    ]
    app = record.application
    assert (app.state, app.programme.code, app.payee_party, app.amount) == (
        "approved",
        "funeral_fee_waiver",
        home.party,
        Decimal("1200.00"),
    )
    decision = app.decisions.get()
    assert decision.amount == Decimal("1200.00")
    assert "身份证号码地址码 440605 属南海区" in " ".join(c["message"] for c in decision.checks)
    assert "遗体存放 2 天 × 100.00 元 = 200.00 元" in decision.explanation
    assert "免除金额 1,200.00 元" in decision.explanation
    assert {p["key"] for p in decision.parameters} >= {
        "funeral_price_cremation",
        "funeral_max_storage",
        "funeral_cap_per_body",
    }
    assert party_balance(PAYABLE, home.party) == Decimal("1200.00")
    assert account_balance(BUDGET_2021) == Decimal("98800.00")


def test_registry_hukou_decides_when_the_person_is_registered(home_staff, home, district_officer):
    from minzheng.registry.services import PersonInput, person_register

    born_elsewhere = id_number(prefix="440106")  # Guangzhou ID, hukou moved to Guicheng
    person_register(
        actor=district_officer,
        data=PersonInput(
            name="李婆婆",
            residence_division_code=GUICHENG,
            id_number=born_elsewhere,
            hukou_division_code=GUICHENG,
        ),
    )
    record = services.service_record(
        actor=home_staff,
        data=service_input(home, deceased_id_number=born_elsewhere, deceased_name="李婆婆"),
    )
    assert record.person.name == "李婆婆"
    assert record.division_id == GUICHENG
    assert record.amount == Decimal("800.00")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"deceased_id_number": "GZ"}, "facts", "不属南海区"),
        ({"quantities": {**BASIC, "cremation": 0}}, "facts", "未使用遗体火化服务"),
        (
            {"service_date": dt.date.today() + dt.timedelta(days=1), "death_date": dt.date.today()},
            "service_date",
            "服务日期不能晚于今天",
        ),
        ({"death_date": dt.date(2021, 3, 5)}, "death_date", "死亡日期不能晚于服务日期"),
        ({"quantities": {}}, "qty_cremation", "请至少选择一项"),
        ({"deceased_id_number": "440605194001011234"}, "deceased_id_number", "身份证"),
    ],
)
def test_refusals_say_why_in_chinese_and_write_nothing(home_staff, home, overrides, field, message):
    if overrides.get("deceased_id_number") == "GZ":
        overrides = {**overrides, "deceased_id_number": id_number(prefix="440106")}
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.service_record(actor=home_staff, data=service_input(home, **overrides))
    text = " ".join(m for msgs in exc.value.message_dict.values() for m in msgs)
    assert message in text
    assert field in exc.value.message_dict or (
        field == "facts" and "__all__" in exc.value.message_dict
    )
    assert counts() == before


def test_one_exemption_per_deceased(home_staff, home, other_staff, other_home):
    number = id_number()
    services.service_record(actor=home_staff, data=service_input(home, deceased_id_number=number))
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.service_record(
            actor=other_staff, data=service_input(other_home, deceased_id_number=number)
        )
    assert exc.value.message_dict["deceased_id_number"] == [
        "该逝者已享受过基本殡葬服务费用免除（每位逝者限一次），不能重复登记。"
    ]
    assert counts() == before


def test_same_idempotency_key_records_once(home_staff, home):
    data = service_input(home, idempotency_key="form-1")
    first = services.service_record(actor=home_staff, data=data)
    again = services.service_record(actor=home_staff, data=data)
    assert first.pk == again.pk
    assert ServiceRecord.objects.count() == 1


def test_a_home_staff_member_records_for_their_own_home_only(home_staff, other_home):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.service_record(actor=home_staff, data=service_input(other_home))
    assert "只能为您所在的殡仪馆登记" in exc.value.message_dict["home"][0]
    assert counts() == before


def test_price_change_affects_only_later_services(home_staff, home, officer):
    early = services.service_record(
        actor=home_staff, data=service_input(home, service_date=dt.date(2021, 3, 15))
    )
    PolicyParameter.objects.create(
        key="funeral_price_cremation",
        name="遗体火化",
        value="260",
        value_type="decimal",
        unit="元/具",
        valid_from=dt.date(2021, 4, 1),
        source_document="测试：调价",
        is_illustrative=True,
    )
    late = services.service_record(
        actor=home_staff,
        data=service_input(home, service_date=dt.date(2021, 4, 2), death_date=dt.date(2021, 4, 1)),
    )
    early.refresh_from_db()
    assert early.amount == Decimal("800.00")
    assert late.amount == Decimal("860.00")
    assert "遗体火化 1 具 × 260.00 元" in late.application.decisions.get().explanation
    assert early.application.decisions.get().amount == Decimal("800.00")


def test_storage_beyond_the_maximum_exempts_the_covered_days_and_the_family_pays_the_rest(
    home_staff, home
):
    record = services.service_record(
        actor=home_staff, data=service_input(home, quantities={**BASIC, "storage": 5})
    )
    storage = next(line for line in record.items if line["code"] == "storage")
    price = Decimal(storage["price"])
    assert (storage["qty"], storage["covered"]) == (5, 3)
    assert Decimal(storage["amount"]) == price * 3
    assert Decimal(storage["family_amount"]) == price * 2
    assert record.family_pays == price * 2
    explanation = record.application.decisions.get().explanation
    assert "遗体存放 3 天" in explanation and "由家属自付" in explanation
    checks = record.application.decisions.get().checks
    assert all(c["ok"] for c in checks)
    assert "遗体存放 5 天，免除 3 天，其余 2 天由家属自付" in [c["message"] for c in checks]


def test_cap_per_body_applies_last(home_staff, home):
    PolicyParameter.objects.filter(key="funeral_cap_per_body").update(value="1000")
    record = services.service_record(
        actor=home_staff,
        data=service_input(home, quantities={**BASIC, "storage": 3, "farewell_hall": 1}),
    )
    assert record.amount == Decimal("1000.00")
    assert (
        "超过每具遗体免除上限 1,000.00 元，按上限免除"
        in record.application.decisions.get().explanation
    )


def _march(home_staff, home, n=2):
    return [
        services.service_record(
            actor=home_staff,
            data=service_input(
                home, service_date=dt.date(2021, 3, 2 + i), death_date=dt.date(2021, 3, 1)
            ),
        )
        for i in range(n)
    ]


def test_settlement_posts_once_per_home_and_month(home_staff, home, officer):
    march = _march(home_staff, home)
    services.service_record(
        actor=home_staff,
        data=service_input(home, service_date=dt.date(2021, 4, 3), death_date=dt.date(2021, 4, 1)),
    )
    settlement = services.settlement_post(
        actor=officer, home=home, month=dt.date(2021, 3, 1), on=dt.date(2021, 4, 6)
    )
    assert (settlement.service_count, settlement.total, settlement.revision) == (
        2,
        Decimal("1600.00"),
        1,
    )
    assert party_balance(PAYABLE, home.party) == Decimal("800.00")  # April not yet settled
    assert set(
        Application.objects.filter(funeral_service__in=march).values_list("state", flat=True)
    ) == {"paid"}
    entries = JournalEntry.objects.count()
    again = services.settlement_post(
        actor=officer, home=home, month=dt.date(2021, 3, 15), on=dt.date(2021, 4, 7)
    )
    assert again.pk == settlement.pk
    assert JournalEntry.objects.count() == entries
    assert Settlement.objects.count() == 1


def test_settlement_refusals(home_staff, home, officer, other_home):
    _march(home_staff, home, n=1)
    with pytest.raises(ValidationError, match="尚未结束"):
        services.settlement_post(
            actor=officer, home=home, month=dt.date(2021, 3, 1), on=dt.date(2021, 3, 31)
        )
    with pytest.raises(ValidationError, match="没有待结算的免除记录"):
        services.settlement_post(
            actor=officer, home=other_home, month=dt.date(2021, 3, 1), on=dt.date(2021, 4, 6)
        )
    with pytest.raises(PermissionDenied):
        services.settlement_post(
            actor=home_staff, home=home, month=dt.date(2021, 3, 1), on=dt.date(2021, 4, 6)
        )
    assert Settlement.objects.count() == 0


def test_correction_after_settlement_is_reversal_and_resettlement(home_staff, home, officer):
    _march(home_staff, home)
    first = services.settlement_post(
        actor=officer, home=home, month=dt.date(2021, 3, 1), on=dt.date(2021, 4, 6)
    )
    with pytest.raises(ValidationError):
        services.settlement_reverse(actor=officer, settlement=first, reason=" ")
    late = services.service_record(
        actor=home_staff,
        data=service_input(
            home, service_date=dt.date(2021, 3, 30), death_date=dt.date(2021, 3, 29)
        ),
    )
    # Settling again does nothing new while the month's settlement stands.
    assert (
        services.settlement_post(
            actor=officer, home=home, month=dt.date(2021, 3, 1), on=dt.date(2021, 4, 8)
        ).pk
        == first.pk
    )
    services.settlement_reverse(
        actor=officer, settlement=first, reason="漏报一宗服务", on=dt.date(2021, 4, 9)
    )
    first.refresh_from_db()
    assert first.status == "reversed" and first.reversal_entry_id
    assert JournalEntry.objects.get(pk=first.reversal_entry_id).reverses_id == first.entry_id
    assert party_balance(PAYABLE, home.party) == Decimal("2400.00")
    second = services.settlement_post(
        actor=officer, home=home, month=dt.date(2021, 3, 1), on=dt.date(2021, 4, 9)
    )
    assert (second.revision, second.service_count, second.total) == (2, 3, Decimal("2400.00"))
    assert party_balance(PAYABLE, home.party) == Decimal("0.00")
    late.refresh_from_db()
    assert late.settlement_id == second.pk and late.application.state == "paid"
    with pytest.raises(ValidationError, match="已冲销"):
        services.settlement_reverse(actor=officer, settlement=first, reason="再次")


def test_statement_xlsx_and_pdf_totals(home_staff, home, officer):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    _march(home_staff, home)
    services.service_record(
        actor=home_staff,
        data=service_input(
            home,
            service_date=dt.date(2021, 3, 20),
            death_date=dt.date(2021, 3, 19),
            quantities={**BASIC, "storage": 2, "farewell_hall": 1},
        ),
    )
    services.settlement_post(
        actor=officer, home=home, month=dt.date(2021, 3, 1), on=dt.date(2021, 4, 6)
    )
    st = statement_for(home=home, month=dt.date(2021, 3, 1))
    assert (st.count, st.total) == (3, Decimal("2800.00"))
    assert st.item_totals["storage"] == Decimal("400.00") and st.item_totals[
        "farewell_hall"
    ] == Decimal("300.00")
    ws = load_workbook(io.BytesIO(statement_xlsx(st))).active
    rows = list(ws.values)
    assert rows[0][0] == "测试殡仪馆甲 2021年3月 基本殡葬服务费用免除结算单"
    assert rows[1][5:8] == (3, "免除金额合计（元）", 2800.0)
    assert rows[2][5:12] == (
        "遗体接运",
        "遗体消毒",
        "遗体存放",
        "告别厅租用",
        "遗体火化",
        "骨灰寄存",
        "骨灰盒",
    )
    assert [r[12] for r in rows[3:6]] == [800.0, 800.0, 1200.0]
    assert rows[-1][0] == "合计" and rows[-1][12] == 2800.0 and rows[-1][7] == 400.0
    text = "".join(
        "".join(
            page.extract_text() for page in PdfReader(io.BytesIO(statement_pdf(st))).pages
        ).split()
    )
    assert "测试殡仪馆甲2021年3月基本殡葬服务费用免除结算单" in text
    assert "本月免除3人，免除金额合计2,800.00元" in text
    assert "已于2021年4月6日结算入账" in text
    assert "遗体火化" in text and "告别厅租用" in text and "合计3人2,800.00" in text
