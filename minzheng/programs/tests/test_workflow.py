"""The programmes' declared workflow, applied by core.workflow: an undeclared move writes
nothing, a declared one writes one log row, and two concurrent moves of one case cannot
both apply."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from minzheng.core import workflow
from minzheng.programs import services
from minzheng.programs.models import Application, State, Transition
from minzheng.programs.services import moves
from minzheng.programs.workflows import APPLICATION

from .conftest import ta_input

D1 = dt.date(2021, 3, 2)


def _submitted(actor, key: str = "wf-1"):
    return services.application_submit(actor=actor, data=ta_input(idempotency_key=key), on=D1)


@pytest.mark.django_db
def test_undeclared_move_is_refused_and_writes_nothing(funded, town_worker):
    app = _submitted(town_worker)
    before = Transition.objects.count()
    with pytest.raises(ValidationError) as exc:
        moves._move(app, "pay", actor=town_worker, on=D1)  # submitted → paid: undeclared
    assert exc.value.message_dict == {"state": ["当前状态“待受理”不能执行“发放到账”。"]}
    assert Transition.objects.count() == before
    assert Application.objects.get(pk=app.pk).state == State.SUBMITTED


@pytest.mark.django_db
def test_declared_move_writes_exactly_one_log_row(funded, town_worker):
    app = _submitted(town_worker)
    services.application_withdraw(actor=town_worker, application=app, reason="不再需要", on=D1)
    rows = list(
        Transition.objects.filter(application=app).values_list(
            "name", "from_state", "to_state", "actor", "reason"
        )
    )
    assert rows == [
        ("submit", "", State.SUBMITTED, town_worker.pk, "提交申请"),
        ("withdraw", State.SUBMITTED, State.WITHDRAWN, town_worker.pk, "不再需要"),
    ]
    app.refresh_from_db()
    assert app.state == State.WITHDRAWN and app.limit_key is None


@pytest.mark.django_db
def test_move_from_a_stale_state_is_a_conflict_and_writes_nothing(funded, town_worker):
    app = _submitted(town_worker)
    stale = Application.objects.get(pk=app.pk)
    services.application_withdraw(actor=town_worker, application=app, reason="撤回", on=D1)
    with pytest.raises(ValidationError) as exc:
        moves._move(stale, "return", actor=town_worker, on=D1)
    assert exc.value.message_dict == {"state": ["该申请刚被他人办理，请刷新后重试。"]}
    assert Transition.objects.filter(application=app).count() == 2
    assert Application.objects.get(pk=app.pk).state == State.WITHDRAWN


def test_every_move_names_declared_states_and_a_workflow_refuses_undeclared_ones():
    assert APPLICATION.targets(State.SUBMITTED) == [
        State.INVESTIGATION,
        State.RETURNED,
        State.REFUSED,
        State.WITHDRAWN,
    ]
    with pytest.raises(ValueError):
        workflow.Workflow(
            key="x",
            model=Application,
            log_model=Transition,
            log_subject="application",
            states=State,
            moves=[workflow.Move("bad", (State.SUBMITTED,), "nowhere", "坏")],
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_moves_of_one_application_one_wins(run_concurrently, funded, town_worker):
    app = _submitted(town_worker, key="wf-race")

    def withdraw():
        services.application_withdraw(
            actor=town_worker, application=Application.objects.get(pk=app.pk), reason="撤回"
        )
        return "ok"

    def send_back():
        services.application_return(
            actor=town_worker,
            application=Application.objects.get(pk=app.pk),
            missing_kinds=["id_card"],
        )
        return "ok"

    results = run_concurrently.calls([withdraw, send_back])
    assert sorted(map(str, results)).count("ok") == 1
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert Transition.objects.filter(application=app).exclude(name="submit").count() == 1
