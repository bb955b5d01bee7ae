"""Demo data of elderly care (idempotent, seeded): institutions and happiness houses in the
seven towns (illustrative: names, beds and grades are not real records and are marked
示例数据), elders admitted with assessments, absences, a death and discharges, the twelve
monthly operating-subsidy runs of 2021 paid through the ledger, the happiness houses'
reports, 2020 ratings and 2021 subsidies, and the May 2021 epidemic-prevention inspections
of the institutions and the rescue station with findings and closed rectifications.

Accounts: `eldercare_officer` (district) and `institution_staff` (one institution only).
Every figure on the pages is computed from these records; the subsidy rates are the
illustrative parameters of setup.py.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from minzheng.core.demo_accounts import ensure_account
from minzheng.registry import services as reg
from minzheng.registry.models import Organisation, Person
from minzheng.registry.validators import check_character, uscc_check_character

from . import roles, rules, services
from .models import ChecklistItem, ClaimRun, House, Institution

DISTRICT = "440605000000"
SEED = 20210512
TOWNS = [
    ("440605011000", "桂城"),
    ("440605121000", "九江"),
    ("440605122000", "西樵"),
    ("440605123000", "丹灶"),
    ("440605124000", "狮山"),
    ("440605125000", "大沥"),
    ("440605126000", "里水"),
]
# (suffix, ownership, beds, nursing, grade)
KINDS = [
    ("颐康护养院", "private", 60, 30, 4),
    ("敬老院", "public", 40, 10, 3),
    ("长者公寓", "private", 30, 10, None),
]
SURNAMES = "陈李黄梁何张冯潘罗区麦简"
GIVEN = ["伯", "婆", "金华", "桂英", "炳坤", "秀珍", "志强", "玉兰", "国平", "月娥", "锦辉", "淑仪"]
RESCUE_STATION = "南海区救助管理站"


def _id_number(n: int) -> str:
    first17 = f"440622{1930 + n % 20}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return first17 + check_character(first17)


def _credit_code(n: int) -> str:
    first17 = f"52440605MJ{7000000 + n:07d}"
    return first17 + uscc_check_character(first17)


def _accounts(password: str):
    officer = ensure_account(
        username="eldercare_officer",
        display_name="区局养老服务科（演示）",
        division=DISTRICT,
        role=roles.ELDERCARE_OFFICER,
        password=password,
    )
    staff = ensure_account(
        username="institution_staff",
        display_name="桂城颐康护养院工作人员（演示）",
        division=DISTRICT,
        role=roles.INSTITUTION_STAFF,
        password=password,
    )
    return officer, staff


def _communities(town: str) -> list[str]:
    from minzheng.core.models import Division

    return list(
        Division.objects.filter(level="community", code__startswith=town[:9])
        .order_by("code")
        .values_list("code", flat=True)[:3]
    )


def _institutions(officer, rng) -> list[Institution]:
    out = []
    n = 0
    for town, short in TOWNS:
        for suffix, ownership, beds, nursing, grade in KINDS:
            n += 1
            name = f"{short}{suffix}"
            existing = Institution.objects.filter(name=name).first()
            if existing:
                out.append(existing)
                continue
            out.append(
                services.institution_register(
                    actor=officer,
                    data=services.InstitutionInput(
                        name=name,
                        division_code=town,
                        ownership=ownership,
                        beds_total=beds,
                        beds_nursing=nursing,
                        credit_code=_credit_code(n),
                        filing_number=f"粤南民养备{2019 + n % 2}{n:03d}号（示例）",
                        filed_on=dt.date(2019, 3 + n % 9, 1 + n % 27),
                        address=f"{short}（演示地址）",
                        star_grade=grade,
                        grade_assessed_on=dt.date(2020, 10, 15) if grade else None,
                        grade_body="佛山市养老机构等级评定委员会（示例）" if grade else "",
                        contact_name="院办",
                        services="长期照护、康复护理、认知症照护"
                        if nursing > 10
                        else "生活照料、文娱活动",
                        bank_name="广东南海农村商业银行",
                        bank_account=f"80020000{n:08d}",
                        is_illustrative=True,
                    ),
                )
            )
    return out


def _elders(officer, institutions, rng) -> int:
    """About two thirds of the beds taken, admitted in 2019–2020 with an assessment; a
    few events in 2021 that the claims must explain."""
    n = 0
    admitted = 0
    for inst in institutions:
        communities = _communities(inst.division_id) or [inst.division_id]
        for i in range(inst.beds_total * 2 // 3):
            n += 1
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            person = reg.person_register(
                actor=officer,
                data=reg.PersonInput(
                    name=name,
                    residence_division_code=communities[i % len(communities)],
                    id_number=_id_number(n),
                    sex="M" if n % 2 else "F",
                ),
            )
            on = dt.date(2019, 6, 1) + dt.timedelta(days=rng.randrange(0, 540))
            level = rng.choices(range(5), weights=(3, 3, 3, 2, 1))[0]
            bed = (
                "nursing" if level >= 3 and inst.beds_nursing > i % inst.beds_nursing else "general"
            )
            try:
                services.admission_create(
                    actor=officer,
                    data=services.AdmissionInput(
                        institution_id=inst.pk,
                        person_id=person.pk,
                        admitted_on=on,
                        level=level,
                        assessed_on=on - dt.timedelta(days=3),
                        bed_type=bed,
                        assessment_body="南海区老年人能力评估中心（示例）",
                    ),
                )
            except ValidationError:  # a nursing bed full: take a general one
                services.admission_create(
                    actor=officer,
                    data=services.AdmissionInput(
                        institution_id=inst.pk,
                        person_id=person.pk,
                        admitted_on=on,
                        level=level,
                        assessed_on=on - dt.timedelta(days=3),
                        assessment_body="南海区老年人能力评估中心（示例）",
                    ),
                )
            admitted += 1
    # 2021's events: hospital stays (some 15 days or more), home visits, reassessments,
    # discharges home, a transfer, deaths.
    from .models import Residency

    stays = list(
        Residency.objects.filter(institution__in=institutions, discharged_on__isnull=True)
        .select_related("person", "institution")
        .order_by("pk")
    )
    for k, stay in enumerate(stays):
        if k % 9 == 0:
            start = dt.date(2021, 1 + k % 11, 3 + k % 10)
            length = 8 if k % 2 else 18
            services.absence_record(
                actor=officer,
                residency=stay,
                kind="hospital",
                start=start,
                end=start + dt.timedelta(days=length),
                note="住院治疗（演示）",
            )
        elif k % 13 == 0:
            start = dt.date(2021, 2, 10)  # 春节回家
            services.absence_record(
                actor=officer, residency=stay, kind="home", start=start, end=dt.date(2021, 2, 20)
            )
        if k % 7 == 0:
            services.assessment_record(
                actor=officer,
                person=stay.person,
                level=min((stay.person.eldercare_assessments.first().level + 1), 4),
                assessed_on=dt.date(2021, 6, 15),
                body="南海区老年人能力评估中心（示例）",
                division_code=stay.institution.division_id,
            )
    for k, stay in enumerate(stays[5::40]):
        if k % 2:
            services.discharge_record(
                actor=officer,
                residency=stay,
                discharged_on=dt.date(2021, 3 + k % 9, 18),
                reason="home",
            )
        else:
            died = dt.date(2021, 4 + k % 8, 9)
            Person.objects.filter(pk=stay.person_id).update(deceased_date=died)
            services.discharge_record(
                actor=officer, residency=stay, discharged_on=died, reason="death"
            )
    return admitted


def _houses(officer, rng) -> list[House]:
    out = []
    for n, (town, short) in enumerate(TOWNS):
        for j, community in enumerate(_communities(town)[:2]):
            name = f"{short}第{j + 1}社区幸福院"
            house = House.objects.filter(name=name).first()
            if house is None:
                operator = Organisation.objects.filter(name=f"{short}长者服务中心（示例）").first()
                if operator is None:
                    operator = reg.organisation_register(
                        actor=officer,
                        name=f"{short}长者服务中心（示例）",
                        kind="non_enterprise",
                        division_code=town,
                        credit_code=_credit_code(500 + n),
                    )
                house = services.house_register(
                    actor=officer,
                    data=services.HouseInput(
                        name=name,
                        division_code=community,
                        address=f"{short}（演示地址）",
                        opening_hours="周一至周六 8:30–12:00、14:00–17:30",
                        services=["meals", "activities", "health"]
                        if j == 0
                        else ["day_care", "activities"],
                        operator_id=operator.pk,
                        contract_start=dt.date(2020, 1, 1),
                        contract_end=dt.date(2022, 12, 31),
                        bank_name="广东南海农村商业银行",
                        bank_account=f"80030000{n:04d}{j:04d}",
                        is_illustrative=True,
                    ),
                )
            out.append(house)
    return out


def _house_year(officer, houses, rng) -> None:
    from minzheng.programs.bankfiles import return_file_xlsx

    granted = []
    for house in houses:
        for month in range(1, 13):
            services.house_report_record(
                actor=officer,
                house=house,
                month=dt.date(2021, month, 1),
                visits=rng.randrange(300, 900),
                meals=rng.randrange(200, 700) if "meals" in house.services else 0,
                activities=rng.randrange(4, 12),
                note="月度运营情况（演示）",
            )
        rating = services.house_rating_record(
            actor=officer,
            house=house,
            year=2020,
            score=Decimal(rng.randrange(70, 98)),
            on=dt.date(2021, 1, 15),
        )
        if rating.grade != "D":
            granted.append(
                services.house_subsidy_grant(
                    actor=officer, rating=rating, on=dt.date(2021, 1, 20)
                ).pk
            )
    if granted:
        services.applications_pay(
            actor=officer,
            programme_code=rules.HOUSE_PROGRAMME,
            application_ids=granted,
            return_file_for=lambda b: return_file_xlsx(
                [(ln.pk, "成功", "") for ln in b.lines.all()]
            ),
            on=dt.date(2021, 2, 5),
        )


def _claims(officer) -> int:
    from minzheng.programs.bankfiles import return_file_xlsx
    from minzheng.programs.models import DisbursementBatch

    done = 0
    for month in range(1, 13):
        first = dt.date(2021, month, 1)
        on = (first + dt.timedelta(days=32)).replace(day=6)
        run = ClaimRun.objects.filter(month=first).first() or services.claim_run(
            actor=officer, month=first, on=on
        )
        if run.batch_id and not run.paid_on:
            batch = DisbursementBatch.objects.get(pk=run.batch_id)
            services.claim_run_pay(
                actor=officer,
                run=run,
                return_file=return_file_xlsx([(ln.pk, "成功", "") for ln in batch.lines.all()]),
                on=on + dt.timedelta(days=4),
            )
        done += 1
    return done


def _inspections(officer, institutions, houses, rng) -> int:
    """The May 2021 round of epidemic prevention: every institution and the rescue station;
    problems found are rectified and closed on the follow-up visit."""
    from .models import Inspection

    items = list(ChecklistItem.objects.filter(inspection_type__code="epidemic").order_by("order"))
    station = Organisation.objects.filter(name=RESCUE_STATION).first() or reg.organisation_register(
        actor=officer, name=RESCUE_STATION, kind="institution", division_code="440605011000"
    )
    places = [(i.organisation_id, "") for i in institutions] + [(station.pk, "rescue")]
    places += [(h.organisation_id, "") for h in houses[:4]]
    problems = [
        "来访登记信息不全",
        "工作人员健康监测记录缺两天",
        "防护口罩储备不足一周用量",
        "隔离观察室未张贴标识",
        "公共区域消毒记录未签名",
    ]
    made = 0
    for k, (place_id, kind) in enumerate(places):
        if Inspection.objects.filter(place_id=place_id, inspection_type__code="epidemic").exists():
            continue
        day = dt.date(2021, 5, 10 + k % 12)
        findings = []
        for j in range(k % 3):
            item = items[(k + j) % len(items)]
            findings.append(
                services.FindingInput(
                    item.pk, problems[(k + j) % len(problems)], day + dt.timedelta(days=7)
                )
            )
        inspection = services.inspection_create(
            actor=officer,
            place_id=place_id,
            place_kind=kind,
            inspection_type_code="epidemic",
            inspected_on=day,
            inspectors="区民政局领导、养老服务科（演示）",
            summary="养老机构疫情防控专项检查（2021年5月）",
            findings=findings,
            on=day,
        )
        for finding in inspection.findings.all():
            services.followup_record(
                actor=officer,
                finding=finding,
                visited_on=day + dt.timedelta(days=5),
                note="复查已整改到位（演示）",
                rectified=True,
                on=day + dt.timedelta(days=5),
            )
        made += 1
    # One fire-safety inspection still open, so the officer's list has work in it.
    if not Inspection.objects.filter(inspection_type__code="fire").exists():
        from django.utils import timezone

        today = timezone.localdate()
        fire = ChecklistItem.objects.filter(inspection_type__code="fire").order_by("order").first()
        services.inspection_create(
            actor=officer,
            place_id=institutions[0].organisation_id,
            inspection_type_code="fire",
            inspected_on=today,
            inspectors="养老服务科（演示）",
            findings=[
                services.FindingInput(
                    fire.pk, "二楼消防通道堆放杂物", today + dt.timedelta(days=14)
                )
            ],
            on=today,
        )
    return made


def run(*, stdout, password: str) -> str:
    from minzheng.core.roles import sync_roles

    from .setup import ensure_defaults

    sync_roles()
    ensure_defaults()
    officer, staff = _accounts(password)
    rng = random.Random(SEED)
    with transaction.atomic():
        first_time = not Institution.objects.filter(is_illustrative=True).exists()
        institutions = _institutions(officer, rng)
        services.institution_staff_link(actor=officer, institution=institutions[0], user=staff)
        houses = _houses(officer, rng)
        admitted = 0
        if first_time:
            for year in (2021, 2022):
                for code in (rules.OPERATING_PROGRAMME, rules.HOUSE_PROGRAMME):
                    services.budget_fund(
                        actor=officer,
                        programme_code=code,
                        year=year,
                        amount=Decimal("3000000"),
                        on=dt.date(year, 1, 4),
                    )
            admitted = _elders(officer, institutions, rng)
            _house_year(officer, houses, rng)
        months = _claims(officer)
        inspected = _inspections(officer, institutions, houses, rng)
    paid = sum(r.total for r in ClaimRun.objects.filter(month__year=2021))
    return (
        f"{len(institutions)} institutions, {len(houses)} happiness houses (illustrative); "
        f"{admitted} elders admitted; {months} monthly claims of 2021 ({paid:,.2f} 元); "
        f"{inspected} inspections added."
    )
