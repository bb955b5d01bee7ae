from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.rescue import services
from minzheng.rescue.apps import RESCUE_STAFF
from minzheng.rescue.models import Station

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
MP3 = b"ID3" + b"\x00" * 64


@pytest.fixture
def station(db):
    return Station.objects.create(name="南海区救助管理站", division_id="440605000000")


@pytest.fixture
def fund_returns(district_officer):
    """Put money on the station's return budget of a year (as a district officer would)."""
    from minzheng.ledger.services import budget_fund

    def fund(amount: str, year: int = 2021):
        return budget_fund(
            actor=district_officer,
            account=services.return_budget_open(year),
            amount=Decimal(amount),
            memo="送返经费拨款",
            idempotency_key=f"test.fund:{year}:{amount}",
        )

    return fund


@pytest.fixture
def rescue_staff(make_staff):
    return make_staff("rescue_staff", RESCUE_STAFF, "440605000000")


@pytest.fixture
def jiujiang_rescue(make_staff):
    return make_staff("jiujiang_rescue", RESCUE_STAFF, "440605121000")


def intake(**overrides) -> services.IntakeInput:
    data = dict(
        found_date=dt.date(2021, 3, 5),
        found_place="桂城街道灯湖东路",
        brought_by="police",
        sex="M",
        age_min=65,
        age_max=75,
        told_name="王志强",
        dialect="粤语",
        clothing="蓝色外套",
        marks="左脸有痣",
        health_state="高血压",
        mental_state="认知障碍，答非所问",
        belongings="身份证复印件 440605194801011234",
        fingerprint_done=True,
        fingerprint_ref="ZW-2021-0001",
    )
    data.update(overrides)
    return services.IntakeInput(**data)


def report_input(**overrides) -> services.ReportInput:
    data = dict(
        name="黄志强",
        sex="M",
        missing_date=dt.date(2021, 3, 1),
        missing_place="桂城街道灯湖东路",
        birth_year=1950,
        description="穿蓝色外套，左脸有痣",
        contact_name="黄女士",
        contact_phone="13800138000",
    )
    data.update(overrides)
    return services.ReportInput(**data)


def return_input(**overrides) -> services.ReturnInput:
    data = dict(
        destination="广西玉林",
        escort="张三、李四",
        transport="火车",
        handover_to="family",
        handover_name="黄女士",
        return_date=dt.date(2021, 3, 20),
        cost_transport="356.50",
        cost_meals="80",
    )
    data.update(overrides)
    return services.ReturnInput(**data)
