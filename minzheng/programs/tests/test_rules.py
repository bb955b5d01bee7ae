"""Rules, limits, the fast path, parameters over time and bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from minzheng.core.services import parameter_create
from minzheng.ledger import selectors as ledger_q
from minzheng.programs import services
from minzheng.programs.models import Application, Decision
from minzheng.programs.services import ApplicationInput
from minzheng.programs.workdays import add_working_days

from .conftest import GUICHENG, GUICHENG_COMMUNITY, attach_all, id_number, ta_input, upload, uscc

pytestmark = pytest.mark.django_db
D1 = dt.date(2021, 3, 2)


def test_decision_stores_inputs_parameters_and_explanation(funded, town_worker):
    app = services.application_submit(actor=town_worker, data=ta_input(), on=D1)
    d = Decision.objects.get(application=app)
    assert d.amount == Decimal("10440.00") and d.eligible
    assert d.explanation == (
        "按所在地最低生活保障标准每人每月 1,160.00 元 × 3 个月（不低于 2 个月） × 家庭人口 3 人 = 10,440.00 元"
        "。按政策测算救助金额 10,440.00 元（以审批核定为准）。"
    )
    keys = [p["key"] for p in d.parameters]
    assert keys == [
        "dibao_standard",
        "ta_min_months",
        "ta_months_emergency",
        "ta_basis",
        "ta_cap_amount",
    ]
    assert d.inputs["facts"]["cause"] == "fire"


def test_parameter_change_affects_future_decisions_only(funded, town_worker, officer, admin_user):
    first = services.application_submit(actor=town_worker, data=ta_input(), on=D1)
    parameter_create(
        actor=admin_user,
        key="dibao_standard",
        name="最低生活保障标准",
        value="1250",
        unit="元/人·月",
        valid_from=dt.date(2021, 7, 1),
        source_document="示例",
        is_illustrative=True,
    )
    second = services.application_submit(
        actor=town_worker, data=ta_input(idempotency_key="b"), on=dt.date(2021, 7, 2)
    )
    earlier_date = services.application_submit(
        actor=town_worker, data=ta_input(idempotency_key="c"), on=dt.date(2021, 6, 30)
    )
    assert Decision.objects.get(application=first).amount == Decimal("10440.00")
    assert Decision.objects.get(application=second).amount == Decimal("11250.00")
    assert Decision.objects.get(application=earlier_date).amount == Decimal("10440.00")
    assert Decision.objects.get(application=second).parameters[0]["value"] == "1250"


def test_per_household_basis_and_cap_are_parameters(funded, town_worker, admin_user):
    parameter_create(
        actor=admin_user,
        key="ta_basis",
        name="基数",
        value="per_household",
        value_type="text",
        valid_from=dt.date(2021, 5, 1),
        source_document="示例",
        is_illustrative=True,
    )
    app = services.application_submit(actor=town_worker, data=ta_input(), on=dt.date(2021, 5, 3))
    assert app.decisions.get().amount == Decimal("3480.00")
    parameter_create(
        actor=admin_user,
        key="ta_cap_amount",
        name="上限",
        value="3000",
        valid_from=dt.date(2021, 6, 1),
        source_document="示例",
        is_illustrative=True,
    )
    capped = services.application_submit(
        actor=town_worker,
        data=ta_input(idempotency_key="x", facts={"cause": "traffic"}),
        on=dt.date(2021, 6, 2),
    )
    d = capped.decisions.get()
    assert d.amount == Decimal("3000.00") and "超过单次救助上限 3,000.00 元" in d.explanation


def test_expense_type_is_capped_by_the_spending_and_checks_income(funded, town_worker):
    facts = {
        "category": "expense",
        "cause": "medical",
        "expense": "2000",
        "monthly_income_per_person": "1500",
    }
    app = services.application_submit(actor=town_worker, data=ta_input(facts=facts), on=D1)
    d = app.decisions.get()
    assert d.amount == Decimal("2000.00") and "不超过自负支出 2,000.00 元" in d.explanation
    rich = services.application_submit(
        actor=town_worker,
        data=ta_input(
            idempotency_key="r",
            facts={**facts, "cause": "education", "monthly_income_per_person": "5000"},
        ),
        on=D1,
    )
    d = rich.decisions.get()
    assert (
        not d.eligible
        and d.amount == Decimal("0.00")
        and "超过低保标准的 2 倍（2,320.00 元）" in d.explanation
    )


def test_same_cause_same_household_once_a_year_unless_officer_overrides(
    funded, town_worker, officer
):
    person_id = id_number()
    services.application_submit(
        actor=town_worker, data=ta_input(applicant_id_number=person_id), on=D1
    )
    with pytest.raises(ValidationError) as exc:
        services.application_submit(
            actor=town_worker,
            data=ta_input(applicant_id_number=person_id, idempotency_key="2"),
            on=dt.date(2021, 9, 1),
        )
    assert "每户每年限一次" in exc.value.message_dict["cause"][0]
    assert Application.objects.count() == 1
    # Another cause the same year, or the same cause next year: allowed.
    services.application_submit(
        actor=town_worker,
        data=ta_input(
            applicant_id_number=person_id, idempotency_key="3", facts={"cause": "traffic"}
        ),
        on=D1,
    )
    services.application_submit(
        actor=town_worker,
        data=ta_input(applicant_id_number=person_id, idempotency_key="4"),
        on=dt.date(2022, 1, 5),
    )
    # A caseworker cannot override; an officer can, with a reason.
    with pytest.raises(ValidationError):
        services.application_submit(
            actor=town_worker,
            data=ta_input(
                applicant_id_number=person_id, idempotency_key="5", limit_override_reason="二次火灾"
            ),
            on=D1,
        )
    app = services.application_submit(
        actor=officer,
        data=ta_input(
            applicant_id_number=person_id,
            idempotency_key="6",
            limit_override_reason="同年再次遭遇火灾",
        ),
        on=D1,
    )
    assert app.limit_key.startswith(f"temporary_assistance:id{app.applicant_id_hash}:fire:2021#")
    assert services.approval_level(app, D1) == "district"
    assert Application.objects.count() == 4


def test_same_idempotency_key_returns_the_first_application(funded, town_worker):
    a = services.application_submit(actor=town_worker, data=ta_input(idempotency_key="k1"), on=D1)
    b = services.application_submit(actor=town_worker, data=ta_input(idempotency_key="k1"), on=D1)
    assert a.pk == b.pk and Application.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"facts": {"category": "emergency", "cause": "medical"}}, "cause", "急难型救助的事由应为"),
        ({"facts": {"category": "expense", "cause": "fire"}}, "cause", "支出型救助的事由应为"),
        (
            {"facts": {"category": "expense", "cause": "medical", "expense": ""}},
            "expense",
            "须填写自负支出金额",
        ),
        ({"facts": {"household_size": 0}}, "household_size", "须为 1 至 99 之间的整数"),
        ({"facts": {"description": ""}}, "description", "请填写“情况说明”"),
        ({"facts": {"requested_amount": "25000"}}, "requested_amount", "超过上限 20000.00 元"),
        ({"applicant_id_number": "440605198001011234"}, "applicant_id_number", "校验位不正确"),
        ({"division_code": "440605121000"}, "division", "只能受理本辖区"),
        ({"bank_account": ""}, "bank_account", "请填写收款银行账号"),
        ({"phone": "12"}, "phone", ""),
    ],
)
def test_bad_input_gets_a_clear_message_and_writes_nothing(
    funded, town_worker, overrides, field, message
):
    with pytest.raises(ValidationError) as exc:
        services.application_submit(actor=town_worker, data=ta_input(**overrides), on=D1)
    assert message in exc.value.message_dict[field][0]
    assert Application.objects.count() == 0 and Decision.objects.count() == 0


def test_document_of_wrong_type_is_refused(funded, town_worker):
    app = services.application_submit(actor=town_worker, data=ta_input(), on=D1)
    with pytest.raises(ValidationError) as exc:
        services.document_add(
            actor=town_worker,
            application=app,
            upload=upload("id.exe", b"MZ\x90\x00"),
            kind="id_card",
        )
    assert "不支持的文件类型" in exc.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as exc:
        services.document_add(
            actor=town_worker,
            application=app,
            upload=upload("id.png", b"GIF89a....."),
            kind="id_card",
        )
    assert "内容与扩展名" in exc.value.message_dict["file"][0]
    from minzheng.core.models import Attachment

    assert Attachment.objects.count() == 0


def test_fast_path_pays_from_town_reserve_and_flags_late_paperwork(
    funded, town_worker, town_worker_2, officer
):
    app = services.application_submit(
        actor=town_worker, data=ta_input(facts={"household_size": 1}), on=D1
    )  # 3,480
    with pytest.raises(ValidationError) as exc:
        services.fast_path_advance(
            actor=town_worker, application=app, amount=Decimal("3001"), on=D1
        )
    assert "不能超过 3000.00 元" in exc.value.message_dict["amount"][0]
    services.fast_path_advance(actor=town_worker, application=app, amount=Decimal("3000"), on=D1)
    app.refresh_from_db()
    assert app.paperwork_due == add_working_days(D1, 5) == dt.date(2021, 3, 9)
    assert ledger_q.account_balance(f"RESERVE:{GUICHENG}") == Decimal("17000.00")
    assert ledger_q.party_balance("PAYABLE:temporary_assistance", app.payee_party) == Decimal(
        "0.00"
    )
    with pytest.raises(ValidationError):
        services.fast_path_advance(actor=town_worker, application=app, amount=Decimal("100"), on=D1)

    from minzheng.programs import selectors

    assert list(selectors.paperwork_overdue(user=town_worker, today=dt.date(2021, 3, 9))) == []
    assert list(selectors.paperwork_overdue(user=town_worker, today=dt.date(2021, 3, 10))) == [app]
    attach_all(town_worker, app)
    services.application_accept(actor=town_worker, application=app, on=dt.date(2021, 3, 10))
    assert list(selectors.paperwork_overdue(user=town_worker, today=dt.date(2021, 3, 11))) == []

    services.investigation_record(
        actor=town_worker,
        application=app,
        staff_2=town_worker_2,
        visited_on=dt.date(2021, 3, 10),
        household_check="x",
        findings="y",
    )
    services.application_publicise(actor=town_worker, application=app, on=dt.date(2021, 3, 10))
    services.publicity_end(actor=town_worker, application=app, on=dt.date(2021, 3, 17))
    services.application_approve(actor=town_worker, application=app, on=dt.date(2021, 3, 18))
    # Budget pays 3,480: 3,000 refills the reserve, 480 is still owed to the family.
    assert ledger_q.account_balance(f"RESERVE:{GUICHENG}") == Decimal("20000.00")
    assert ledger_q.account_balance("BUDGET:temporary_assistance:2021") == Decimal("96520.00")
    assert ledger_q.party_balance("PAYABLE:temporary_assistance", app.payee_party) == Decimal(
        "480.00"
    )
    batch = services.disbursement_batch_create(
        actor=officer, division_code="440605000000", on=dt.date(2021, 3, 19)
    )
    assert batch.total == Decimal("480.00")


def test_fast_path_only_for_emergencies(funded, town_worker):
    app = services.application_submit(
        actor=town_worker,
        data=ta_input(facts={"category": "expense", "cause": "medical", "expense": "900"}),
        on=D1,
    )
    with pytest.raises(ValidationError) as exc:
        services.fast_path_advance(actor=town_worker, application=app, amount=Decimal("500"), on=D1)
    assert "急难型" in exc.value.message_dict["amount"][0]
    assert ledger_q.account_balance(f"RESERVE:{GUICHENG}") == Decimal("20000.00")


def test_working_days_skip_chinese_holidays():
    # 2021-09-30 (Thu) + 1 working day: 10-01..10-07 are National Day holidays → 10-08.
    assert add_working_days(dt.date(2021, 9, 30), 1) == dt.date(2021, 10, 8)
    # 2021-09-26 was an adjusted working Sunday (调休).
    assert add_working_days(dt.date(2021, 9, 25), 1) == dt.date(2021, 9, 26)


def test_overdue_cases_are_counted_per_queue(funded, town_worker):
    from minzheng.programs import selectors

    app = services.application_submit(actor=town_worker, data=ta_input(), on=D1)
    assert app.due_on == dt.date(2021, 3, 5)  # 3 working days
    counts = selectors.queue_counts(user=town_worker, today=dt.date(2021, 3, 8))
    assert counts["accept"] == {"n": 1, "overdue": 1}
    assert selectors.queue_counts(user=town_worker, today=dt.date(2021, 3, 5))["accept"] == {
        "n": 1,
        "overdue": 0,
    }


@pytest.mark.parametrize(
    ("code", "facts", "amount"),
    [
        (
            "education_aid",
            {
                "student_name": "李小明",
                "school": "罗定市围底镇中心小学",
                "stage": "primary",
                "basis": "paired_school",
                "enrolled": True,
            },
            "1000.00",
        ),
        (
            "disability_employment",
            {
                "certificate_no": "44060519800101123X42",
                "disability_level": 3,
                "age": 35,
                "mode": "self_employed",
            },
            "5000.00",
        ),
        (
            "social_worker_grant",
            {
                "level": "senior",
                "certificate_no": "S2020001",
                "certified_on": "2020-06-01",
                "employer": "南海社工服务中心",
                "works_in_district": True,
            },
            "5000.00",
        ),
        (
            "social_worker_grant",
            {
                "level": "assistant",
                "certificate_no": "A2017001",
                "certified_on": "2017-06-01",
                "employer": "南海社工服务中心",
                "works_in_district": True,
            },
            "1000.00",
        ),
    ],
)
def test_other_programmes_amounts(funded, town_worker, code, facts, amount):
    data = ApplicationInput(
        programme_code=code,
        division_code=GUICHENG_COMMUNITY,
        applicant_name="李华",
        applicant_id_number=id_number(),
        facts=facts,
        bank_account="6229000000000001",
    )
    app = services.application_submit(actor=town_worker, data=data, on=D1)
    assert app.decisions.get().amount == Decimal(amount)


def test_social_worker_grant_once_per_level_per_person(funded, town_worker):
    pid = id_number()
    facts = {
        "level": "social_worker",
        "certificate_no": "B1",
        "certified_on": "2019-06-01",
        "employer": "x",
        "works_in_district": True,
    }

    def data(key, **f):
        return ApplicationInput(
            programme_code="social_worker_grant",
            division_code=GUICHENG_COMMUNITY,
            applicant_name="王芳",
            applicant_id_number=pid,
            facts={**facts, **f},
            bank_account="1",
            idempotency_key=key,
        )

    services.application_submit(actor=town_worker, data=data("a"), on=D1)
    with pytest.raises(ValidationError) as exc:
        services.application_submit(actor=town_worker, data=data("b"), on=dt.date(2023, 1, 5))
    assert "每人限一次" in exc.value.message_dict["cause"][0]
    services.application_submit(
        actor=town_worker, data=data("c", level="senior"), on=dt.date(2023, 1, 5)
    )


def test_eldercare_subsidy_for_an_organisation(funded, town_worker):
    facts = {
        "period": "2021-Q1",
        "new_beds": 10,
        "bed_months_self_care": 30,
        "bed_months_partial": 20,
        "bed_months_full": 15,
        "licensed": True,
    }
    data = ApplicationInput(
        programme_code="eldercare_subsidy",
        division_code=GUICHENG,
        applicant_name="桂城颐养院",
        applicant_id_number=uscc(),
        facts=facts,
        bank_account="44000000001",
    )
    app = services.application_submit(actor=town_worker, data=data, on=D1)
    d = app.decisions.get()
    assert d.amount == Decimal("56500.00")  # 10×5000 + 30×50 + 20×100 + 15×200
    assert app.applicant_masked == "桂城颐养院"
