"""Children in care: registration, the child-file permission, logging of every read, scope,
and the monthly basic living allowance on the programmes engine and the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from minzheng.core.models import OperationLog
from minzheng.ledger import selectors as ledger_q
from minzheng.welfare import selectors, services
from minzheng.welfare.models import AllowanceMonth, Child

from .conftest import GUICHENG, GUICHENG_COMMUNITY, JIUJIANG, JIUJIANG_COMMUNITY

pytestmark = pytest.mark.django_db


def _child(
    officer, person, *, placement="community", home=None, division=GUICHENG_COMMUNITY, on=None
):
    return services.child_register(
        actor=officer,
        person=person,
        category="orphan",
        placement=placement,
        home=home,
        division_code=division,
        admitted_on=on or dt.date(2020, 6, 1),
    )


def test_child_file_read_is_logged_and_needs_the_permission(officer, make_person, leader):
    child = _child(officer, make_person())
    before = OperationLog.objects.filter(action="reveal").count()

    opened = services.child_file_open(actor=officer, child_id=child.pk)

    assert opened == child
    log = OperationLog.objects.filter(action="reveal").order_by("-id").first()
    assert OperationLog.objects.filter(action="reveal").count() == before + 1
    assert (log.user, log.target_type, log.target_id) == (officer, "welfare.child", str(child.pk))
    # A leader sees every module's records but not children's files: 404, and no log row.
    with pytest.raises(Http404):
        services.child_file_open(actor=leader, child_id=child.pk)
    assert OperationLog.objects.filter(action="reveal").count() == before + 1
    assert list(selectors.child_list(user=leader)) == []


def test_child_file_out_of_scope_is_404(officer, jj_officer, gc_officer, make_person):
    child = _child(officer, make_person())
    with pytest.raises(Http404):
        services.child_file_open(actor=jj_officer, child_id=child.pk)
    assert services.child_file_open(actor=gc_officer, child_id=child.pk) == child
    assert list(selectors.child_list(user=jj_officer)) == []


def test_child_must_be_under_18_and_institution_needs_a_home(officer, make_person):
    adult = make_person("成年人", "19990101")
    with pytest.raises(ValidationError) as exc:
        _child(officer, adult)
    assert exc.value.message_dict["person"] == ["纳入保障时须未满18周岁。"]
    with pytest.raises(ValidationError) as exc:
        _child(officer, make_person(), placement="institution")
    assert exc.value.message_dict["home"] == ["机构养育须选择福利院。"]
    assert Child.objects.count() == 0


def test_children_by_town_counts(officer, make_person):
    _child(officer, make_person())
    _child(officer, make_person(community=JIUJIANG_COMMUNITY), division=JIUJIANG_COMMUNITY)
    rows = {r.town: r.counts for r in selectors.children_by_town(user=officer)}
    assert rows["桂城街道"]["orphan"] == 1
    assert rows["九江镇"]["orphan"] == 1


def test_monthly_allowance_amounts_through_engine_and_ledger(officer, home, make_person, funded):
    """Institution 1,800.00 and community 1,300.00 元 a month (illustrative parameters);
    a child without a payee account is skipped; a second run grants nothing."""
    in_home = _child(
        officer, make_person("院童甲"), placement="institution", home=home, division=GUICHENG
    )
    scattered = _child(officer, make_person("散居乙"))
    services.guardian_add(
        actor=officer,
        child=scattered,
        name="陈奶奶",
        relation="祖母",
        bank_name="农商银行",
        bank_account="6229111122223333",
        is_payee=True,
    )
    no_payee = _child(officer, make_person("散居丙"))
    left = _child(officer, make_person("已退出"))
    services.child_leave(actor=officer, child=left, left_on=dt.date(2021, 2, 1), reason="被收养")
    late = _child(officer, make_person("新纳入"), on=dt.date(2021, 3, 2))

    run = services.allowance_grant_month(actor=officer, month=dt.date(2021, 3, 15))

    amounts = {a.child_id: a.amount for a in run.granted}
    assert amounts == {in_home.pk: Decimal("1800.00"), scattered.pk: Decimal("1300.00")}
    assert run.total == Decimal("3100.00")
    assert [c.pk for c, _reason in run.skipped] == [no_payee.pk]
    assert late.pk not in amounts and left.pk not in amounts
    assert ledger_q.account_balance("BUDGET:child_basic_allowance:2021") == Decimal("96900.00")
    assert ledger_q.account_balance("PAYABLE:child_basic_allowance") == Decimal("3100.00")
    app = AllowanceMonth.objects.get(child=in_home).application
    assert app.state == "approved" and app.payee_party == f"welfare_home:{home.pk}"
    decision = app.decisions.first()
    assert [p["key"] for p in decision.parameters] == ["welfare_allowance_institution"]

    again = services.allowance_grant_month(actor=officer, month=dt.date(2021, 3, 1))
    assert again.granted == []
    assert AllowanceMonth.objects.count() == 2


def test_allowance_of_a_future_month_is_refused(officer):
    with pytest.raises(ValidationError) as exc:
        services.allowance_grant_month(actor=officer, month=dt.date(2099, 1, 1))
    assert "month" in exc.value.message_dict
    assert AllowanceMonth.objects.count() == 0


def test_guicheng_officer_grants_only_guicheng_children(gc_officer, officer, make_person, funded):
    a = _child(officer, make_person())
    b = _child(officer, make_person(community=JIUJIANG_COMMUNITY), division=JIUJIANG_COMMUNITY)
    for c in (a, b):
        services.guardian_add(
            actor=officer,
            child=c,
            name="王某",
            relation="姑姑",
            bank_account="6229000000001111",
            is_payee=True,
        )
    run = services.allowance_grant_month(actor=gc_officer, month=dt.date(2021, 4, 1))
    assert [g.child_id for g in run.granted] == [a.pk]
    assert JIUJIANG  # the other town's child is not touched
