"""The approver decides the amount within the rules' ceiling, with an opinion; a case shows
its amount as calculated until it is approved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from minzheng.ledger import selectors as ledger_q
from minzheng.programs import services
from minzheng.programs.models import Application, Transition

from .conftest import D1, ta_input, to_review

pytestmark = pytest.mark.django_db
LATER = D1 + dt.timedelta(days=9)


@pytest.fixture
def in_review(funded, town_worker, town_worker_2):
    app = services.application_submit(
        actor=town_worker,
        data=ta_input(facts={"requested_amount": "3000"}),
        on=D1,
    )
    return to_review(app, town_worker, town_worker_2, on=D1)


def test_approver_lowers_the_amount_with_an_opinion_and_the_books_follow(in_review, officer):
    calculated = in_review.amount
    assert calculated == Decimal("10440.00")
    services.application_approve(
        actor=officer,
        application=in_review,
        amount=Decimal("3000.00"),
        note="按申请金额救助",
        on=LATER,
    )
    in_review.refresh_from_db()
    assert (in_review.state, in_review.amount) == ("approved", Decimal("3000.00"))
    # owed to the family: what was approved, not what was calculated
    assert ledger_q.party_balance("PAYABLE:temporary_assistance", in_review.payee_party) == Decimal(
        "3000.00"
    )
    assert Transition.objects.filter(application=in_review, name="approve").get().reason == (
        "按申请金额救助"
    )
    # the calculation stays as it was
    assert in_review.decisions.order_by("-id").first().amount == calculated


@pytest.mark.parametrize(
    ("amount", "note", "errors"),
    [
        ("10440.01", "多给", {"amount": ["批准金额不能超过按政策测算的 10440.00 元。"]}),
        ("0", "零", {"amount": ["批准金额须大于 0；不予救助请用“不予救助”。"]}),
        ("100.001", "", {"amount": ["金额最多保留两位小数。"]}),
        ("3000", "", {"note": ["批准金额低于测算金额时，请填写审批意见说明理由。"]}),
    ],
)
def test_an_amount_outside_the_rules_is_refused_and_nothing_is_written(
    in_review, officer, amount, note, errors
):
    before = Transition.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.application_approve(
            actor=officer, application=in_review, amount=Decimal(amount), note=note, on=LATER
        )
    assert exc.value.message_dict == errors
    assert Application.objects.get(pk=in_review.pk).state == "review"
    assert Transition.objects.count() == before


def test_case_page_shows_calculated_until_approved_and_offers_the_asked_amount(
    client, in_review, officer
):
    client.force_login(officer)
    page = client.get(f"/staff/programs/cases/{in_review.pk}/").content.decode()
    assert "测算金额 10440.00 元" in page and "申请金额 3000.00 元" in page
    assert 'data-testid="not-approved"' in page and "核定金额 <strong>" not in page
    assert "按政策测算救助金额 10,440.00 元（以审批核定为准）" in page
    assert "最低生活保障标准：1160元/人·月" in page and "dibao_standard" not in page
    assert 'name="amount" value="3000' in page  # less was asked than calculated
    assert "data-confirm=" in page
    response = client.post(
        f"/staff/programs/cases/{in_review.pk}/approve/",
        {"amount": "3000.00", "note": "按申请金额救助"},
    )
    assert response.status_code == 302
    page = client.get(f"/staff/programs/cases/{in_review.pk}/").content.decode()
    assert "核定金额 <strong>3000.00 元</strong>" in page
