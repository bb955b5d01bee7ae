import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from minzheng.core.models import OperationLog, PolicyParameter
from minzheng.core.params import ParameterMissing, parameter_value
from minzheng.core.services import parameter_create


def _create(actor, **kw):
    defaults = dict(
        key="test_standard",
        name="低保标准",
        value="1000",
        unit="元/月",
        valid_from=dt.date(2024, 1, 1),
        source_document="示例文件",
        is_illustrative=True,
    )
    return parameter_create(actor=actor, **{**defaults, **kw})


@pytest.mark.django_db
def test_value_in_force_on_a_date_and_division_fallback(district_officer):
    _create(district_officer, value="1000")
    _create(district_officer, value="1100", valid_from=dt.date(2025, 1, 1))
    _create(
        district_officer, value="1150", valid_from=dt.date(2025, 1, 1), division_code="440605011000"
    )

    assert parameter_value("test_standard", on=dt.date(2024, 6, 1)).value == Decimal("1000")
    assert parameter_value("test_standard", on=dt.date(2025, 6, 1)).value == Decimal("1100")
    # a community of 桂城 falls back to the town's own row, 九江 to the district row
    assert parameter_value(
        "test_standard", on=dt.date(2025, 6, 1), division_code="440605011001"
    ).value == Decimal("1150")
    assert parameter_value(
        "test_standard", on=dt.date(2025, 6, 1), division_code="440605121201"
    ).value == Decimal("1100")
    with pytest.raises(ParameterMissing):
        parameter_value("test_standard", on=dt.date(2023, 12, 31))


@pytest.mark.django_db
def test_new_value_ends_the_previous_period_and_keeps_history(district_officer):
    first = _create(district_officer, value="1000")
    _create(district_officer, value="1100", valid_from=dt.date(2025, 1, 1))
    first.refresh_from_db()
    assert first.valid_to == dt.date(2025, 1, 1)
    assert first.history.count() == 2  # created, then its period ended
    assert (
        OperationLog.objects.filter(action="create", target_type="core.policyparameter").count()
        == 2
    )


@pytest.mark.django_db
def test_bad_parameter_input_writes_nothing(district_officer, leader):
    before = PolicyParameter.objects.count()  # modules ship their own defaults in migrations
    with pytest.raises(ValidationError) as exc:
        _create(district_officer, value="not a number")
    assert "value" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        _create(leader)
    assert PolicyParameter.objects.count() == before
    assert OperationLog.objects.filter(action="create").count() == 0
