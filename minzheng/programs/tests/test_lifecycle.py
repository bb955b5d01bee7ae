"""The life cycle of an application: every transition allowed and refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from minzheng.ledger import selectors as ledger_q
from minzheng.programs import services
from minzheng.programs.models import Application, Decision, Notice, State, Transition
from minzheng.programs.services import moves
from minzheng.programs.workflows import APPLICATION

from .conftest import attach_all, ta_input, to_review

pytestmark = pytest.mark.django_db
D1 = dt.date(2021, 3, 2)


def _submitted(actor, **kw):
    return services.application_submit(actor=actor, data=ta_input(**kw), on=D1)


def test_full_journey_posts_approval_and_payment(funded, town_worker, town_worker_2, officer):
    app = _submitted(town_worker)
    assert app.state == State.SUBMITTED and app.number.startswith("JZ2021")
    to_review(app, town_worker, town_worker_2)
    app.refresh_from_db()
    assert app.state == State.REVIEW
    assert app.amount == Decimal("10440.00")  # 1,160 × 3 months × 3 people
    services.application_approve(actor=officer, application=app, on=dt.date(2021, 3, 20))
    app.refresh_from_db()
    assert app.state == State.APPROVED and app.approval_level == "district"
    assert ledger_q.account_balance("BUDGET:temporary_assistance:2021") == Decimal("89560.00")
    assert ledger_q.party_balance("PAYABLE:temporary_assistance", app.payee_party) == Decimal(
        "10440.00"
    )

    batch = services.disbursement_batch_create(
        actor=officer, division_code="440605000000", on=dt.date(2021, 3, 21)
    )
    assert batch.line_count == 1 and batch.total == Decimal("10440.00")
    from minzheng.programs.bankfiles import return_file_xlsx

    line = batch.lines.get()
    result = services.disbursement_return_import(
        actor=officer,
        batch=batch,
        content=return_file_xlsx([(line.pk, "成功", "")]),
        on=dt.date(2021, 3, 22),
    )
    assert result == {"succeeded": 1, "failed": 0, "posted": 1}
    app.refresh_from_db()
    assert app.state == State.PAID
    assert ledger_q.party_balance("PAYABLE:temporary_assistance", app.payee_party) == Decimal(
        "0.00"
    )
    services.application_close(actor=town_worker, application=app, on=dt.date(2021, 3, 23))
    app.refresh_from_db()
    assert app.state == State.CLOSED
    names = list(app.transitions.values_list("name", flat=True))
    assert names == [
        "submit",
        "accept",
        "visit",
        "publicise",
        "end_publicity",
        "approve",
        "pay",
        "close",
    ]
    assert list(app.notices.values_list("kind", flat=True)) == [
        Notice.Kind.ACCEPTANCE,
        Notice.Kind.APPROVAL,
    ]


def test_every_declared_transition_is_refused_from_other_states(funded, town_worker, officer):
    app = _submitted(town_worker)
    for state in State.values:
        for step in APPLICATION.moves:
            if step.sources == ("",) or state in step.sources:
                continue
            app.state = state
            with pytest.raises(ValidationError) as exc:
                moves._move(app, step.name, actor=town_worker, on=D1)
            assert "不能执行" in exc.value.message_dict["state"][0]
    assert Transition.objects.filter(application=app).count() == 1
    assert Application.objects.get(pk=app.pk).state == State.SUBMITTED


def test_accept_with_missing_documents_is_refused_and_return_lists_them(funded, town_worker):
    app = _submitted(town_worker)
    with pytest.raises(ValidationError) as exc:
        services.application_accept(actor=town_worker, application=app, on=D1)
    assert "申请人身份证" in exc.value.message_dict["documents"][0]
    assert Application.objects.get(pk=app.pk).state == State.SUBMITTED
    services.application_return(
        actor=town_worker,
        application=app,
        missing_kinds=["hukou", "income"],
        note="请补充租房合同",
        on=D1,
    )
    app.refresh_from_db()
    assert app.state == State.RETURNED
    assert app.missing_documents == ["户口簿", "家庭收入及财产申报表", "请补充租房合同"]
    assert app.notices.get().kind == Notice.Kind.MISSING
    with pytest.raises(ValidationError):
        services.application_accept(actor=town_worker, application=app, on=D1)
    services.application_resubmit(actor=town_worker, application=app, on=D1)
    app.refresh_from_db()
    assert app.state == State.SUBMITTED


def test_return_without_listing_anything_writes_nothing(funded, town_worker):
    app = _submitted(town_worker)
    with pytest.raises(ValidationError):
        services.application_return(
            actor=town_worker, application=app, missing_kinds=[], note=" ", on=D1
        )
    assert (
        Application.objects.get(pk=app.pk).state == State.SUBMITTED and Notice.objects.count() == 0
    )


def test_home_visit_needs_two_different_staff(funded, town_worker, town_worker_2, jiujiang_case):
    app = _submitted(town_worker)
    attach_all(town_worker, app)
    services.application_accept(actor=town_worker, application=app, on=D1)
    for second in (town_worker, jiujiang_case):
        with pytest.raises(ValidationError) as exc:
            services.investigation_record(
                actor=town_worker,
                application=app,
                staff_2=second,
                visited_on=D1,
                household_check="x",
                findings="y",
            )
        assert "staff_2" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # publicity needs a visit first
        services.application_publicise(actor=town_worker, application=app, on=D1)
    assert "investigation" in exc.value.message_dict
    assert app.investigations.count() == 0 and Decision.objects.filter(application=app).count() == 1


def test_objection_sends_back_to_investigation_and_needs_a_new_visit(
    funded, town_worker, town_worker_2
):
    app = _submitted(town_worker)
    attach_all(town_worker, app)
    services.application_accept(actor=town_worker, application=app, on=D1)
    services.investigation_record(
        actor=town_worker,
        application=app,
        staff_2=town_worker_2,
        visited_on=D1,
        household_check="x",
        findings="y",
    )
    services.application_publicise(actor=town_worker, application=app, on=D1)
    app.refresh_from_db()
    assert app.publicity_end == D1 + dt.timedelta(days=6)
    with pytest.raises(ValidationError):  # publicity not over yet
        services.publicity_end(actor=town_worker, application=app, on=D1 + dt.timedelta(days=3))
    services.objection_record(
        actor=town_worker,
        application=app,
        content="家中另有商铺出租收入",
        raised_by="邻居",
        on=D1 + dt.timedelta(days=2),
    )
    app.refresh_from_db()
    assert app.state == State.INVESTIGATION and app.objections.count() == 1
    with pytest.raises(ValidationError):
        services.application_publicise(
            actor=town_worker, application=app, on=D1 + dt.timedelta(days=3)
        )


def test_refusal_needs_reasons_frees_the_yearly_limit_and_issues_notice(
    funded, town_worker, town_worker_2, officer
):
    app = _submitted(town_worker)
    to_review(app, town_worker, town_worker_2)
    app.refresh_from_db()
    with pytest.raises(ValidationError):
        services.application_refuse(actor=officer, application=app, reasons="  ", on=D1)
    assert Application.objects.get(pk=app.pk).state == State.REVIEW
    services.application_refuse(actor=officer, application=app, reasons="家庭收入超过标准", on=D1)
    app.refresh_from_db()
    assert app.state == State.REFUSED and app.limit_key is None
    assert app.notices.get(kind=Notice.Kind.REFUSAL).body["reasons"] == "家庭收入超过标准"
    again = _submitted(
        town_worker, idempotency_key="again", applicant_id_number=app.applicant_id_number
    )
    assert again.state == State.SUBMITTED


def test_withdraw_frees_the_key_and_only_from_early_states(funded, town_worker, town_worker_2):
    app = _submitted(town_worker)
    with pytest.raises(ValidationError):
        services.application_withdraw(actor=town_worker, application=app, reason="", on=D1)
    services.application_withdraw(actor=town_worker, application=app, reason="已获其他救助", on=D1)
    app.refresh_from_db()
    assert app.state == State.WITHDRAWN and app.limit_key is None
    with pytest.raises(ValidationError):
        services.application_withdraw(actor=town_worker, application=app, reason="again", on=D1)


def test_town_approves_small_amounts_district_large_ones(
    funded, town_worker, town_worker_2, officer
):
    small = _submitted(
        town_worker, facts={"household_size": 1}, idempotency_key="small"
    )  # 3,480 ≤ 5,000
    to_review(small, town_worker, town_worker_2)
    small.refresh_from_db()
    services.application_approve(actor=town_worker, application=small, on=dt.date(2021, 3, 20))
    small.refresh_from_db()
    assert small.state == State.APPROVED and small.approval_level == "town"

    large = _submitted(
        town_worker, facts={"cause": "traffic"}, idempotency_key="large"
    )  # 10,440 > 5,000
    to_review(large, town_worker, town_worker_2)
    large.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.application_approve(actor=town_worker, application=large, on=dt.date(2021, 3, 20))
    assert Application.objects.get(pk=large.pk).state == State.REVIEW


def test_approval_outside_scope_or_without_role_is_refused(
    funded, town_worker, town_worker_2, jiujiang_case, leader
):
    app = _submitted(town_worker, facts={"household_size": 1})
    to_review(app, town_worker, town_worker_2)
    app.refresh_from_db()
    for actor in (jiujiang_case, leader):  # another town's caseworker; a leader reads only
        with pytest.raises(PermissionDenied):
            services.application_approve(actor=actor, application=app, on=D1)
    assert Application.objects.get(pk=app.pk).state == State.REVIEW
    assert ledger_q.account_balance("BUDGET:temporary_assistance:2021") == Decimal("100000.00")


def test_approval_beyond_budget_writes_nothing(programmes, town_worker, town_worker_2, officer):
    from minzheng.programs import postings

    postings.fund_budget(
        actor=officer,
        programme=programmes["temporary_assistance"],
        year=2021,
        amount=Decimal("1000"),
        on=D1,
    )
    app = _submitted(town_worker, facts={"household_size": 1})
    to_review(app, town_worker, town_worker_2)
    app.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.application_approve(actor=officer, application=app, on=dt.date(2021, 3, 20))
    assert "余额不足" in exc.value.message_dict["amount"][0]
    app.refresh_from_db()
    assert (
        app.state == State.REVIEW
        and app.approval_entry_id is None
        and not app.notices.filter(kind=Notice.Kind.APPROVAL).exists()
    )
    assert ledger_q.account_balance("BUDGET:temporary_assistance:2021") == Decimal("1000.00")


def test_staff_relative_is_flagged_and_needs_district_approval_by_someone_else(
    funded, town_worker, town_worker_2, officer, make_staff
):
    from minzheng.programs.roles import PROGRAMS_DISTRICT

    relative_id = ta_input().applicant_id_number
    services.staff_relation_add(
        actor=officer, staff=officer, name="陈大文", relation="兄弟", id_number=relative_id
    )
    app = _submitted(town_worker, applicant_id_number=relative_id, facts={"household_size": 1})
    assert app.staff_related and "兄弟" in app.staff_related_note
    to_review(app, town_worker, town_worker_2)
    app.refresh_from_db()
    with pytest.raises(PermissionDenied):  # small amount, but mandatory district review
        services.application_approve(actor=town_worker, application=app, on=dt.date(2021, 3, 20))
    with pytest.raises(PermissionDenied):  # the related officer must step aside
        services.application_approve(actor=officer, application=app, on=dt.date(2021, 3, 20))
    other = make_staff("district_programs_2", PROGRAMS_DISTRICT, "440605000000")
    services.application_approve(actor=other, application=app, on=dt.date(2021, 3, 20))
    app.refresh_from_db()
    assert app.state == State.APPROVED and app.approval_level == "district"


def test_declared_staff_relation_at_counter_is_flagged(funded, town_worker):
    app = _submitted(town_worker, staff_related=True, staff_related_note="申请人为村委会委员配偶")
    assert app.staff_related and services.approval_level(app, D1) == "district"
