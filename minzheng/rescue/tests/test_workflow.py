"""A rescue case moves only by the declared moves (workflows.CASE through core.workflow)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from minzheng.rescue import services
from minzheng.rescue.models import Case, CaseState, CaseTransition
from minzheng.rescue.workflows import CASE

from .conftest import intake


def _case(staff, station) -> Case:
    return services.case_intake(actor=staff, station=station, data=intake())


@pytest.mark.django_db
def test_undeclared_move_is_refused_and_writes_nothing(rescue_staff, station):
    case = _case(rescue_staff, station)
    services.case_transition(actor=rescue_staff, case=case, to_state="checked_out", reason="离站")
    with pytest.raises(ValidationError) as exc:  # checked_out → transferred: not declared
        services.case_transition(
            actor=rescue_staff, case=case, to_state="transferred", reason="转介"
        )
    assert exc.value.message_dict == {"to_state": ["不能从“已离站”变为“已转介”。"]}
    assert CaseTransition.objects.filter(case=case).count() == 2
    assert Case.objects.get(pk=case.pk).state == "checked_out"


@pytest.mark.django_db
def test_declared_move_writes_exactly_one_log_row(rescue_staff, station):
    case = _case(rescue_staff, station)
    services.case_transition(actor=rescue_staff, case=case, to_state="transferred", reason="转医院")
    rows = list(
        CaseTransition.objects.filter(case=case).values_list(
            "name", "from_state", "to_state", "actor", "reason"
        )
    )
    assert rows == [
        ("intake", "", "checked_in", rescue_staff.pk, "入站登记"),
        ("transfer", "checked_in", "transferred", rescue_staff.pk, "转医院"),
    ]


@pytest.mark.django_db
def test_stale_case_is_a_conflict_and_writes_nothing(rescue_staff, station):
    case = _case(rescue_staff, station)
    stale = Case.objects.get(pk=case.pk)
    services.case_transition(actor=rescue_staff, case=case, to_state="checked_out", reason="离站")
    with pytest.raises(ValidationError) as exc:
        services.case_transition(
            actor=rescue_staff, case=stale, to_state="transferred", reason="转介"
        )
    assert exc.value.message_dict == {"to_state": ["个案状态已被他人修改，请刷新后重试。"]}
    assert CaseTransition.objects.filter(case=case).count() == 2


def test_the_state_table_is_derived_from_the_declared_moves():
    assert {s: tuple(CASE.targets(s)) for s in CaseState.values} == {
        CaseState.CHECKED_IN: ("checked_out", "transferred", "to_return", "returned"),
        CaseState.CHECKED_OUT: ("checked_in", "to_return", "returned"),
        CaseState.TRANSFERRED: ("checked_in", "to_return", "returned"),
        CaseState.TO_RETURN: ("checked_in", "returned"),
        CaseState.RETURNED: (),
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_moves_of_one_case_one_wins(run_concurrently, rescue_staff, station):
    case = _case(rescue_staff, station)
    targets = ["checked_out", "transferred"]

    def change(i: int) -> str:
        services.case_transition(
            actor=rescue_staff,
            case=Case.objects.get(pk=case.pk),
            to_state=targets[i],
            reason="并发",
        )
        return "ok"

    outcomes = [
        "refused" if isinstance(r, ValidationError) else r for r in run_concurrently(change, 2)
    ]
    assert sorted(outcomes) == ["ok", "refused"]
    assert CaseTransition.objects.filter(case=case).exclude(name="intake").count() == 1
