"""The claim run's load: N private institutions with M elders (bulk-inserted, seeded), the
month's events that the lines must explain, the run itself, the payment, and the checks
that every line is explained and every total adds up. Used by the short load test
(test_claims_load.py) and by bench/eldercare_claims.py at full size (500 / 50,000)."""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

MONTH = dt.date(2021, 4, 1)
RUN_ON = dt.date(2021, 5, 6)


def seed(*, institutions: int, elders: int, seed_value: int = 20210401) -> dict:
    """Bulk-insert the world (fast; the run is what is measured). Returns the officer and
    what was made."""
    from minzheng.core import roles as core_roles
    from minzheng.core.demo_accounts import ensure_account
    from minzheng.core.models import Division
    from minzheng.eldercare import roles, rules, services
    from minzheng.eldercare.models import Absence, Assessment, Institution, Residency
    from minzheng.eldercare.setup import ensure_defaults
    from minzheng.registry.models import Organisation, Person
    from minzheng.registry.validators import uscc_check_character

    rng = random.Random(seed_value)
    core_roles.sync_roles()
    ensure_defaults()
    officer = ensure_account(
        username="bench_eldercare",
        display_name="bench",
        division="440605000000",
        role=roles.ELDERCARE_OFFICER,
        password="Bench-Password-123",
    )
    towns = list(Division.objects.filter(level="town").values_list("code", flat=True))
    communities = list(Division.objects.filter(level="community").values_list("code", flat=True))
    orgs = []
    for n in range(institutions):
        first17 = f"52440605MJ{n:07d}"
        orgs.append(
            Organisation(
                name=f"压测养老机构{n:04d}",
                kind="non_enterprise",
                division_id=towns[n % len(towns)],
                credit_code=first17 + uscc_check_character(first17),
            )
        )
    orgs = Organisation.objects.bulk_create(orgs, batch_size=1000)
    if orgs and orgs[0].pk is None:
        orgs = list(Organisation.objects.filter(name__startswith="压测养老机构").order_by("pk"))
    per = -(-elders // max(institutions, 1))
    insts = Institution.objects.bulk_create(
        [
            Institution(
                organisation=o,
                name=o.name,
                division_id=o.division_id,
                ownership="private",
                beds_total=per + 10,
                beds_nursing=per // 2,
                star_grade=rng.choice([None, 1, 2, 3, 4, 5]),
                bank_name="农商银行",
                bank_account=f"6228{n:012d}",
                bank_account_masked=f"************{n % 10000:04d}",
            )
            for n, o in enumerate(orgs)
        ],
        batch_size=1000,
    )
    if insts and insts[0].pk is None:
        insts = list(Institution.objects.filter(organisation__in=orgs).order_by("pk"))
    people = Person.objects.bulk_create(
        [
            Person(name=f"老人{n:05d}", residence_division_id=communities[n % len(communities)])
            for n in range(elders)
        ],
        batch_size=2000,
    )
    if people and people[0].pk is None:
        people = list(Person.objects.filter(name__startswith="老人").order_by("pk"))
    stays, assessments = [], []
    for n, person in enumerate(people):
        inst = insts[n // per]
        admitted = (
            dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(0, 420))
            if n % 20
            else dt.date(2021, 4, rng.randrange(2, 28))  # admitted during the month
        )
        discharged = dt.date(2021, 4, rng.randrange(2, 28)) if n % 50 == 7 else None
        stays.append(
            Residency(
                institution=inst, person=person, admitted_on=admitted, discharged_on=discharged
            )
        )
        assessments.append(
            Assessment(
                person=person,
                division_id=inst.division_id,
                level=rng.randrange(0, 5),
                assessed_on=admitted - dt.timedelta(days=2),
            )
        )
    stays = Residency.objects.bulk_create(stays, batch_size=2000)
    if stays and stays[0].pk is None:
        stays = list(Residency.objects.order_by("pk"))
    Assessment.objects.bulk_create(assessments, batch_size=2000)
    absences = []
    for n, stay in enumerate(stays):
        if n % 10 == 3 and stay.discharged_on is None and stay.admitted_on < MONTH:
            start = dt.date(2021, 4, rng.randrange(1, 15))
            absences.append(
                Absence(
                    residency=stay,
                    kind="hospital",
                    start=start,
                    end=start + dt.timedelta(days=rng.choice([5, 10, 16, 20])),
                )
            )
    Absence.objects.bulk_create(absences, batch_size=2000)
    dead = [p.pk for n, p in enumerate(people) if n % 100 == 11]
    Person.objects.filter(pk__in=dead).update(deceased_date=dt.date(2021, 4, 12))
    # Double claims: a few elders also recorded in the next institution (an import behind
    # the admission check's back), overlapping in April.
    doubles = []
    for n in range(0, min(elders, institutions * per), max(per * 50, 1))[:20]:
        stay = stays[n]
        if stay.discharged_on is None:
            Residency.objects.filter(pk=stay.pk).update(discharged_on=dt.date(2021, 4, 30))
            doubles.append(
                Residency(
                    institution=insts[(n // per + 1) % len(insts)],
                    person_id=stay.person_id,
                    admitted_on=dt.date(2021, 4, 20),
                )
            )
    Residency.objects.bulk_create(doubles)
    services.budget_fund(
        actor=officer,
        programme_code=rules.OPERATING_PROGRAMME,
        year=RUN_ON.year,
        amount=Decimal("100000000"),
        on=dt.date(RUN_ON.year, 1, 4),
    )
    return {
        "officer": officer,
        "institutions": len(insts),
        "elders": len(people),
        "absences": len(absences),
        "deaths": len(dead),
        "doubles": len(doubles),
    }


def run(officer) -> dict:
    """The measured run: compute, write every line, grant on the engine, build the batch."""
    from minzheng.eldercare import services

    started = time.perf_counter()
    claim_run = services.claim_run(actor=officer, month=MONTH, on=RUN_ON)
    seconds = time.perf_counter() - started
    return {"run": claim_run, "seconds": round(seconds, 2)}


def pay(officer, claim_run) -> dict:
    from minzheng.eldercare import services
    from minzheng.programs.bankfiles import return_file_xlsx
    from minzheng.programs.models import DisbursementBatch

    started = time.perf_counter()
    batch = DisbursementBatch.objects.get(pk=claim_run.batch_id)
    content = return_file_xlsx([(ln.pk, "成功", "") for ln in batch.lines.all()])
    result = services.claim_run_pay(actor=officer, run=claim_run, return_file=content, on=RUN_ON)
    return result | {"seconds": round(time.perf_counter() - started, 2)}


def check(claim_run) -> dict:
    """Every line explained, every total the sum of what it totals."""
    from django.db.models import Count, Q, Sum

    from minzheng.eldercare.models import Claim, ClaimLine
    from minzheng.programs.models import Application
    from minzheng.programs.rules import money

    lines = ClaimLine.objects.filter(claim__run=claim_run)
    agg = lines.aggregate(
        n=Count("id"),
        explained=Count("id", filter=~Q(explanation="")),
        with_rate=Count("id", filter=Q(explanation__contains="月标准")),
        paid=Sum("amount", filter=Q(held=False)),
        flagged=Count("id", filter=~Q(flags=[])),
        held=Count("id", filter=Q(held=True)),
    )
    claims_total = Claim.objects.filter(run=claim_run).aggregate(t=Sum("total"))["t"]
    app_ids = list(
        Claim.objects.filter(run=claim_run, application_id__isnull=False).values_list(
            "application_id", flat=True
        )
    )
    granted = Application.objects.filter(pk__in=app_ids).aggregate(t=Sum("amount"))["t"]
    return {
        "lines": agg["n"],
        "explained": agg["explained"],
        "with_rate": agg["with_rate"],
        "flagged": agg["flagged"],
        "held": agg["held"],
        "lines_total": str(money(agg["paid"] or 0)),
        "claims_total": str(money(claims_total or 0)),
        "granted_total": str(money(granted or 0)),
        "run_total": str(money(claim_run.total)),
        "applications": len(app_ids),
    }


def baseline(officer, *, sample: int) -> dict:
    """The naive way side by side: per elder, its assessment, its absences and every
    parameter looked up one query at a time (no snapshot), for `sample` elders; the
    rate per elder is extrapolated in the report, nothing is written."""
    from minzheng.eldercare import rules
    from minzheng.eldercare.models import Absence, Assessment, Institution, Residency
    from minzheng.programs.rules import ParamSource

    first, last = rules.month_bounds(MONTH)
    started = time.perf_counter()
    stays = list(
        Residency.objects.filter(admitted_on__lte=last)
        .select_related("person")
        .order_by("pk")[:sample]
    )
    for stay in stays:
        rates = rules.Rates.load(month=first, params=ParamSource(cached=False))
        a = (
            Assessment.objects.filter(person_id=stay.person_id, assessed_on__lte=last)
            .order_by("-assessed_on", "-id")
            .first()
        )
        grade = Institution.objects.values_list("star_grade", flat=True).get(pk=stay.institution_id)
        rules.claim_line(
            rules.Stay(
                residency_id=stay.pk,
                person_id=stay.person_id,
                person_name=stay.person.name,
                institution_id=stay.institution_id,
                admitted_on=stay.admitted_on,
                discharged_on=stay.discharged_on,
                deceased_date=stay.person.deceased_date,
                level=a.level if a else None,
                absences=list(Absence.objects.filter(residency=stay).values_list("start", "end")),
            ),
            month=first,
            grade=grade,
            rates=rates,
        )
    seconds = time.perf_counter() - started
    return {
        "elders": len(stays),
        "seconds": round(seconds, 2),
        "ms_per_elder": round(seconds * 1000 / max(len(stays), 1), 3),
    }
