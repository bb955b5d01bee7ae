"""Fuzz every documented API operation (schemathesis) and collect the server errors.

Used by test_api_fuzz.py: a short run with a fixed seed in the normal suite, the long run
(`-m slow`, also run by `make bench` through bench/api_fuzz.py). The schema is the one
/api/schema/ serves; requests go in-process to the WSGI application (config.wsgi) against
the test database, as an anonymous client or with a staff token.
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from dataclasses import dataclass, field

import schemathesis
from django.core.signals import got_request_exception
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode


def load_schema():
    """The schema of every operation, loaded from the generator (no request, no database)."""
    from drf_spectacular.generators import SchemaGenerator

    raw = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(raw)


def make_data() -> dict:
    """A few rows of every kind the API reads: persons, a household, an organisation, a
    Qingming season with slots and gates, programmes, a rescue station and case, a funeral
    home; ids are returned so a report can say what existed."""
    from django.utils import timezone

    from minzheng.core import roles
    from minzheng.core.demo_accounts import ensure_account
    from minzheng.qingming.models import CarPark, Cemetery, Gate, Season, Slot
    from minzheng.registry.services import (
        PersonInput,
        household_create,
        organisation_register,
        person_register,
    )
    from minzheng.registry.tests.factories import id_number
    from minzheng.rescue import services as rescue
    from minzheng.rescue.models import BroughtBy, Station

    roles.sync_roles()
    admin = ensure_account(
        username="fuzz_admin",
        display_name="fuzz_admin",
        division="440605000000",
        role=roles.SYSTEM_ADMIN,
        password="Fuzz-Password-123",
        superuser=True,
    )
    people = [
        person_register(
            actor=admin,
            data=PersonInput(
                name=name,
                id_number=number,
                phone="1381234567" + str(i),
                residence_division_code="440605011001",
            ),
        )
        for i, (name, number) in enumerate(
            [("陈大文", id_number()), ("何丽芳", id_number(dt.date(1985, 2, 3), sex="F"))]
        )
    ]
    household_create(actor=admin, number="FUZZ-H1", division_code="440605011001", head=people[0])
    organisation_register(
        actor=admin, name="南海区测试社工协会", kind="social_org", division_code="440605011000"
    )

    today = timezone.localdate()
    season = Season.objects.create(
        year=2090,
        name="测试祭扫季",
        qingming_at=timezone.now(),
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=7),
        booking_opens_at=timezone.now() - dt.timedelta(days=3),
    )
    cemetery = Cemetery.objects.create(name="测试公墓", division_id="440605011000", max_inside=100)
    Gate.objects.create(cemetery=cemetery, name="东门")
    CarPark.objects.create(cemetery=cemetery, name="停车场", capacity=10)
    for day in (today, today + dt.timedelta(days=1)):
        Slot.objects.create(
            season=season,
            cemetery=cemetery,
            date=day,
            starts_at=dt.time(10),
            ends_at=dt.time(12),
            capacity=10,
            car_capacity=3,
        )

    from minzheng.funeral.setup import ensure_defaults as funeral_defaults
    from minzheng.programs.setup import ensure_defaults as programmes_defaults

    programmes_defaults()
    funeral_defaults()
    station = Station.objects.create(name="南海区救助管理站", division_id="440605000000")
    rescue.case_intake(
        actor=admin,
        station=station,
        data=rescue.IntakeInput(
            found_date=today - dt.timedelta(days=2),
            found_place="桂城街道灯湖东路",
            brought_by=BroughtBy.values[0],
            sex="M",
            age_min=60,
            age_max=70,
            told_name="王志强",
        ),
    )
    return {"admin": admin}


@dataclass
class Failure:
    operation: str
    status: int | None
    request: str
    detail: str


@dataclass
class FuzzResult:
    operations: int = 0
    examples: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    unsatisfiable: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.operations} operations, {self.examples} examples in {self.seconds} s, "
            f"statuses {dict(sorted(self.statuses.items()))}, {len(self.failures)} server errors"
        )

    def report(self) -> str:
        return "\n\n".join(
            f"{f.operation} → {f.status}\n  {f.request}\n{f.detail}" for f in self.failures
        )


def run(*, schema, app, headers: dict[str, str], max_examples: int, seed_value: int) -> FuzzResult:
    """Fuzz every operation of `schema` (positive and negative data) against `app`; a
    response ≥ 500 or a raised exception is a failure, with the server's traceback."""
    result = FuzzResult()
    raised: list[str] = []

    def on_exception(sender, request=None, **kwargs):
        raised.append(traceback.format_exc())

    got_request_exception.connect(on_exception)
    started = time.perf_counter()
    try:
        for operation_result in schema.get_all_operations():
            operation = operation_result.ok()
            result.operations += 1
            label = f"{operation.method.upper()} {operation.path}"
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz_operation(
                    operation, mode, app, headers, max_examples, seed_value, result, raised, label
                )
    finally:
        got_request_exception.disconnect(on_exception)
    result.seconds = round(time.perf_counter() - started, 1)
    print(result.summary())  # shown with -s, and in the report of a failing run
    return result


def _fuzz_operation(
    operation, mode, app, headers, max_examples, seed_value, result, raised, label
) -> None:
    failed = False

    @seed(seed_value)
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        nonlocal failed
        if failed:  # one failure per operation and mode is enough to report
            return
        raised.clear()
        result.examples += 1
        try:
            response = case.call(app=app, headers=headers)
        except Exception:
            failed = True
            result.failures.append(
                Failure(label, None, _describe(case), traceback.format_exc(limit=8))
            )
            return
        result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            failed = True
            result.failures.append(
                Failure(
                    label,
                    response.status_code,
                    _describe(case),
                    "".join(raised)[-3000:] or response.text[:500],
                )
            )
            return
        case.validate_response(response, checks=[not_a_server_error], headers=headers)

    try:
        check()
    except Unsatisfiable:
        # Nothing to vary: negative data for an operation that takes no input.
        result.unsatisfiable.append(f"{label} ({mode.value})")


def _describe(case) -> str:
    return (
        f"path={case.path_parameters} query={case.query} headers={case.headers} body={case.body!r}"[
            :800
        ]
    )
