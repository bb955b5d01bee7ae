"""Demo step: two demo funeral homes (names marked 演示), their staff accounts, and the
January–May 2021 exemptions of the published figure — 3,216 people, 2,734,400.00 元 —
each computed by the rules from the illustrative prices: 1,600 services of 800 元
(接运 + 消毒 + 存放1天 + 火化 + 骨灰寄存1年 + 骨灰盒) and 1,616 of 900 元 (存放2天),
then settled month by month. Idempotent and seeded."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from minzheng.core.demo_accounts import ensure_account
from minzheng.registry.validators import check_character

from . import roles, services
from .bulk import PastService, services_bulk_grant
from .models import FuneralHome, ServiceRecord
from .setup import ensure_defaults

DISTRICT = "440605000000"
START, END = dt.date(2021, 1, 1), dt.date(2021, 5, 31)
PEOPLE, TOTAL = 3216, Decimal("2734400.00")
BASE = {
    "transport": 1,
    "disinfection": 1,
    "storage": 1,
    "cremation": 1,
    "ash_storage": 1,
    "urn": 1,
}  # 800 元
LONGER = {**BASE, "storage": 2}  # 900 元
HOMES = [  # name, town, staff username, display name
    (
        "南海区殡仪馆（演示）",
        "440605124000",
        "funeral_home1",
        "殡仪馆工作人员（演示·南海区殡仪馆）",
    ),
    (
        "南海区第二殡仪服务站（演示）",
        "440605121000",
        "funeral_home2",
        "殡仪馆工作人员（演示·第二服务站）",
    ),
]
TOWNS = [
    "440605011000",
    "440605121000",
    "440605122000",
    "440605123000",
    "440605124000",
    "440605125000",
    "440605126000",
]
SURNAMES = "陈李黄梁何张罗冯潘吴杜邓关区麦谭叶刘"
GIVEN = [
    "伟强",
    "志明",
    "淑芬",
    "桂英",
    "秀珍",
    "国华",
    "少芳",
    "锦棠",
    "耀祖",
    "月娥",
    "炳坤",
    "玉兰",
    "润生",
    "丽萍",
]


def _id_number(n: int, birth: dt.date) -> str:
    first17 = f"440605{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + check_character(first17)


def _rows(homes: list[FuneralHome]) -> list[PastService]:
    rng = random.Random(20210531)
    combos = [LONGER] * 1616 + [BASE] * 1600
    rng.shuffle(combos)
    days = (END - START).days + 1
    rows = []
    for i, combo in enumerate(combos):
        service = START + dt.timedelta(days=i * days // PEOPLE)
        birth = dt.date(1925, 1, 1) + dt.timedelta(days=i * 7)
        rows.append(
            PastService(
                home=homes[0] if rng.random() < 0.62 else homes[1],
                deceased_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                deceased_id_number=_id_number(i, birth),
                death_date=service - dt.timedelta(days=rng.randint(0, 2)),
                service_date=service,
                quantities=combo,
                division_code=TOWNS[i % len(TOWNS)],
                key=f"demo-2021-{i:05d}",
            )
        )
    return rows


def run(*, stdout, password: str) -> str:
    from minzheng.core.roles import sync_roles
    from minzheng.programs import postings

    sync_roles()
    programme = ensure_defaults()
    officer = ensure_account(
        username="funeral_officer",
        display_name="殡葬管理（演示）",
        division=DISTRICT,
        role=roles.FUNERAL_OFFICER,
        password=password,
    )
    homes = []
    with transaction.atomic():
        for name, town, username, display in HOMES:
            home = FuneralHome.objects.filter(name=name).first() or services.home_register(
                actor=officer, name=name, division_code=town, contact_name="值班室", is_demo=True
            )
            user = ensure_account(
                username=username,
                display_name=display,
                division=DISTRICT,
                role=roles.FUNERAL_HOME_STAFF,
                password=password,
            )
            services.home_staff_link(actor=officer, home=home, user=user)
            homes.append(home)
        today = dt.date.today()
        for year, amount in ((2021, Decimal("3000000")), (today.year, Decimal("500000"))):
            postings.fund_budget(
                actor=officer, programme=programme, year=year, amount=amount, on=dt.date(year, 1, 4)
            )
    created = 0
    if not ServiceRecord.objects.filter(home__in=homes, service_date__range=(START, END)).exists():
        created = services_bulk_grant(actor=officer, rows=_rows(homes))
    for home in homes:
        month = START
        while month <= END:
            services.settlement_post(
                actor=officer, home=home, month=month, on=services.next_month(month)
            )
            month = services.next_month(month)
    from .selectors import exemption_totals

    totals = exemption_totals(start=START, end=END)
    return (
        f"{len(homes)} demo funeral homes; {created} services added; 2021-01..05: {totals['count']} people, "
        f"{totals['total']:,.2f} 元 (expected {PEOPLE} / {TOTAL:,.2f})."
    )
