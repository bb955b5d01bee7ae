"""Rescue demo step: the district station, 10,000 missing reports (bulk), current cases whose
told names are Mandarin and Cantonese homophones (and other variants) of a report, and 45
past cases returned home in January–May 2021. Seeded, idempotent, a few seconds."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from minzheng.core.demo_accounts import ensure_account
from minzheng.core.models import User
from minzheng.ledger import services as ledger
from minzheng.registry.names import random_name

from . import services
from .apps import RESCUE_STAFF
from .models import (
    Case,
    CaseState,
    CaseTransition,
    Decision,
    HandoverTo,
    MatchCandidate,
    MissingReport,
    Notice,
    NoticeStatus,
    ReportKey,
    ReportStatus,
    ReturnHome,
    Station,
)
from .services.notices import _notice_create
from .services.reports import _keys_for
from .workflows import CASE

SEED = 20210531
REPORTS = 10_000
DISTRICT = "440605000000"
TOWNS = {
    "440605011000": ("桂城街道", ("灯湖东路", "南海大道", "千灯湖公园", "桂澜路", "平洲地铁站")),
    "440605121000": ("九江镇", ("沙头市场", "九江大道", "儒林文化广场")),
    "440605122000": ("西樵镇", ("西樵山", "官山市场", "樵园")),
    "440605123000": ("丹灶镇", ("金沙大道", "仙湖", "丹灶市场")),
    "440605124000": ("狮山镇", ("松岗", "罗村", "小塘", "官窑")),
    "440605125000": ("大沥镇", ("黄岐", "盐步", "大沥汽车站")),
    "440605126000": ("里水镇", ("里水河", "和顺", "梦里水乡")),
}
DESCRIPTIONS = (
    "穿蓝色外套",
    "穿灰色夹克",
    "穿红色衬衫",
    "穿黑色长裤",
    "穿拖鞋",
    "戴眼镜",
    "白发",
    "左脸有痣",
    "右手有疤",
    "驼背",
    "拄拐杖",
    "说粤语",
    "说客家话",
    "偏瘦",
    "偏胖",
    "戴帽",
    "背包",
)

# (report name, sex, birth year, told name, dialect, variant) — the current cases.
CURRENT = (
    ("黄志强", "M", 1948, "王志强", "粤语", "粤语同音 黄→王"),
    ("区国明", "M", 1950, "欧国明", "粤语", "粤语同音 区→欧"),
    ("梁嘉欣", "F", 1990, "良佳欣", "普通话", "普通话同音"),
    ("陈丽芳", "F", 1955, "程丽方", "普通话", "模糊音 chen/cheng、fang"),
    ("罗永健", "M", 1958, "罗水健", "粤语", "字形相近 永/水"),
    ("李晓东", "M", 1960, "李东晓", "普通话", "名字顺序颠倒"),
    ("何伟雄", "M", 1944, "何", "粤语", "仅姓氏"),
    ("冯秀梅", "F", 1946, "", "无法交流", "无名氏"),
)


def _place(rng: random.Random) -> tuple[str, str]:
    code = rng.choice(sorted(TOWNS))
    town, spots = TOWNS[code]
    return code, f"{town}{rng.choice(spots)}"


def _phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "186", "189", "135"]) + f"{rng.randrange(10**8):08d}"


def _bulk_reports(rng: random.Random, actor, today: dt.date) -> int:
    if MissingReport.objects.filter(external_id="DEMO000001").exists():
        return 0
    start = dt.date(2016, 1, 1)
    span = (today - start).days - 1
    rows = []
    for n in range(1, REPORTS + 1):
        sex = rng.choice("MF")
        birth = dt.date(rng.randint(1935, 2012), rng.randint(1, 12), rng.randint(1, 28))
        missing = start + dt.timedelta(days=rng.randrange(span))
        missing = max(missing, birth + dt.timedelta(days=365 * 3))
        code, place = _place(rng)
        known = rng.random() < 0.6
        rows.append(
            {
                "external_id": f"DEMO{n:06d}",
                "name": random_name(rng, sex),
                "sex": sex,
                "birth_date": birth.isoformat() if known else "",
                "birth_year": "" if known else str(birth.year),
                "missing_date": missing.isoformat(),
                "missing_place": place,
                "description": "，".join(rng.sample(DESCRIPTIONS, 2)),
                "contact": _phone(rng),
            }
        )
    count, errors = services.reports_import(actor=actor, rows=rows)
    assert not errors, errors[:3]
    return count


def _report(
    *,
    external_id,
    name,
    sex,
    birth_year,
    missing,
    place,
    code,
    description,
    actor,
    status=ReportStatus.OPEN,
) -> MissingReport:
    report, created = MissingReport.objects.get_or_create(
        external_id=external_id,
        defaults=dict(
            name=name,
            sex=sex,
            birth_year=birth_year,
            missing_date=missing,
            missing_place=place,
            division_id=code,
            description=description,
            contact_name="家属",
            contact_phone="13800138000",
            contact_phone_masked="138****8000",
            source="counter",
            reporter=actor,
            status=status,
        ),
    )
    if created:
        from minzheng.registry import pii

        report.contact_phone_hash = pii.blind_index("13800138000", kind="phone")
        report.save(update_fields=["contact_phone_hash"])
        ReportKey.objects.bulk_create(_keys_for(report))
    return report


def _case(
    *,
    station,
    number,
    found,
    place,
    code,
    sex,
    age,
    told,
    dialect,
    actor,
    state,
    intake_at,
    description,
) -> Case:
    case = Case.objects.create(
        station=station,
        division_id=station.division_id,
        number=number,
        found_date=found,
        found_place=place,
        found_division_id=code,
        brought_by="police",
        told_name=told,
        sex=sex,
        age_min=max(age - 5, 0),
        age_max=age + 5,
        dialect=dialect,
        clothing=description,
        health_state="血压偏高",
        mental_state="记忆力差，表达不清",
        belongings="旧手机一部（无卡）",
        state=CaseState.CHECKED_IN,
        intake_at=intake_at,
        created_by=actor,
        fingerprint_done=True,
        fingerprint_ref=f"ZW{number[-6:]}",
    )
    CaseTransition.objects.create(
        case=case,
        name="intake",
        from_state="",
        to_state=CaseState.CHECKED_IN,
        reason="入站登记",
        actor=actor,
        at=intake_at,
    )
    notice = _notice_create(case=case, photo_token="", now=intake_at)
    # The demo's notices were reviewed and published the day they were written.
    Notice.objects.filter(pk=notice.pk).update(
        status=NoticeStatus.PUBLISHED, published_at=intake_at
    )
    if state != CaseState.CHECKED_IN:
        CaseTransition.objects.create(
            case=case,
            name=CASE.find(CaseState.CHECKED_IN, to=state).name,
            from_state=CaseState.CHECKED_IN,
            to_state=state,
            reason="演示",
            actor=actor,
            at=intake_at,
        )
        Case.objects.filter(pk=case.pk).update(state=state)
        case.state = state
    return case


def _past_returns(rng: random.Random, station, actor) -> int:
    made = 0
    tz = timezone.get_current_timezone()
    for n in range(1, 46):
        sex = rng.choice("MF")
        name = random_name(rng, sex)
        month = (n - 1) // 9 + 1  # nine returns a month, January to May 2021
        missing = dt.date(2021, month, rng.randint(1, 10))
        found = missing + dt.timedelta(days=rng.randint(0, 5))
        back = min(found + dt.timedelta(days=rng.randint(2, 12)), dt.date(2021, month, 28))
        code, place = _place(rng)
        age = rng.randint(18, 85)
        report = _report(
            external_id=f"DEMOR{n:03d}",
            name=name,
            sex=sex,
            birth_year=2021 - age,
            missing=missing,
            place=place,
            code=code,
            description="穿灰色夹克",
            actor=actor,
            status=ReportStatus.FOUND,
        )
        intake_at = dt.datetime.combine(found, dt.time(10), tz)
        case = _case(
            station=station,
            number=f"JZZ2021D{n:04d}",
            found=found,
            place=place,
            code=code,
            sex=sex,
            age=age,
            told=name[0] + name[1:][::-1] if n % 3 == 0 else name,
            dialect="粤语",
            actor=actor,
            state=CaseState.CHECKED_IN,
            intake_at=intake_at,
            description="灰色夹克",
        )
        MatchCandidate.objects.create(
            case=case,
            report=report,
            score=Decimal("0.9100"),
            rank=1,
            reasons=["演示：姓名相同或顺序颠倒"],
            computed_at=intake_at,
            decision=Decision.CONFIRMED,
            decision_reason="经家属视频辨认",
            decided_by=actor,
            decided_at=intake_at,
        )
        ReturnHome.objects.create(
            case=case,
            destination=place,
            escort="站内工作人员",
            transport="站内车辆",
            handover_to=HandoverTo.FAMILY,
            handover_name="家属",
            return_date=back,
            cost_transport=Decimal(rng.randint(30, 400)),
            cost_meals=Decimal("60.00"),
            created_by=actor,
        )
        closed = dt.datetime.combine(back, dt.time(15), tz)
        Case.objects.filter(pk=case.pk).update(
            state=CaseState.RETURNED, closed_at=closed, confirmed_report=report
        )
        CaseTransition.objects.create(
            case=case,
            name="return_home",
            from_state=CaseState.CHECKED_IN,
            to_state=CaseState.RETURNED,
            reason=f"送返：{place}",
            actor=actor,
            at=closed,
        )
        Notice.objects.filter(case=case).update(
            status=NoticeStatus.TAKEN_DOWN, taken_down_at=closed
        )
        made += 1
    return made


# Illustrative appropriations for the station's return costs (demo only; a district officer
# funds the real budget on the ledger's page). 2021 holds the 45 past returns (13,507.00 元).
DEMO_RETURN_BUDGET = Decimal("30000.00")


def _fund_return_budgets(admin, years: set[int]) -> None:
    for year in sorted(years):
        account = services.return_budget_open(year)
        ledger.budget_fund(
            actor=admin,
            account=account,
            amount=DEMO_RETURN_BUDGET,
            memo=f"{services.RETURN_BUDGET_NAME} {year} 年预算下达（演示）",
            idempotency_key=f"rescue.demo.fund:{year}",
        )


def _post_past_costs(station, actor) -> int:
    """Post the past returns' costs that have no entry yet (also on a database loaded before
    rescue posted to the ledger); a rerun finds none left and posts nothing."""
    posted = 0
    for ret in ReturnHome.objects.filter(
        case__station=station, case__number__startswith="JZZ2021D", ledger_entry__isnull=True
    ).select_related("case"):
        posted += services.return_costs_post(actor=actor, ret=ret) is not None
    return posted


def run(*, stdout, password: str) -> str:
    rng = random.Random(SEED)
    today = timezone.localdate()
    admin = User.objects.get(username="admin")
    staff = ensure_account(
        username="rescue_staff",
        display_name="救助站工作人员（演示）",
        division=DISTRICT,
        role=RESCUE_STAFF,
        password=password,
    )
    with transaction.atomic():
        station, _created = Station.objects.get_or_create(
            name="南海区救助管理站",
            defaults={
                "division_id": DISTRICT,
                "address": "佛山市南海区桂城街道（演示地址）",
                "phone": "0757-00000000",
            },
        )
    with transaction.atomic():
        imported = _bulk_reports(rng, admin, today)
    with transaction.atomic():
        _fund_return_budgets(admin, {2021, today.year})
    if Case.objects.filter(station=station).exists():
        with transaction.atomic():
            posted = _post_past_costs(station, staff)
        return (
            f"rescue: already loaded ({MissingReport.objects.count()} reports, "
            f"{Case.objects.count()} cases; {posted} return costs posted now)."
        )
    tz = timezone.get_current_timezone()
    with transaction.atomic():
        returns = _past_returns(rng, station, staff)
        posted = _post_past_costs(station, staff)
        current = []
        for n, (name, sex, born, told, dialect, variant) in enumerate(CURRENT, start=1):
            code, place = _place(rng)
            missing = today - dt.timedelta(days=5 + n * 3)
            found = missing + dt.timedelta(days=2)
            if n == len(CURRENT):  # a long stay: in the station for 50 days
                missing, found = today - dt.timedelta(days=55), today - dt.timedelta(days=50)
            _report(
                external_id=f"DEMOK{n:03d}",
                name=name,
                sex=sex,
                birth_year=born,
                missing=missing,
                place=place,
                code=code,
                description="穿蓝色外套，左脸有痣",
                actor=staff,
            )
            current.append(
                _case(
                    station=station,
                    number=f"JZZ{found:%Y}K{n:04d}",
                    found=found,
                    place=place,
                    code=code,
                    sex=sex,
                    age=today.year - born,
                    told=told,
                    dialect=dialect,
                    actor=staff,
                    state=CaseState.CHECKED_IN,
                    intake_at=dt.datetime.combine(found, dt.time(9), tz),
                    description=f"蓝色外套（{variant}）",
                )
            )
    for case in current:
        services.case_rematch(case_id=case.pk)
    return (
        f"rescue: station, {imported} reports imported, {returns} returns in 2021-01…05 "
        f"({posted} cost entries posted), {len(current)} current cases "
        f"(homophone names), account rescue_staff."
    )
