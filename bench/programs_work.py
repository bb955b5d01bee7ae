"""The measured work of bench/programs_batch.py (runs inside Django, after migrate)."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from decimal import Decimal

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

D1000 = Decimal("1000.00")


def _ms(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)


def prepare() -> dict:
    from minzheng.core import roles
    from minzheng.core.demo_accounts import ensure_account
    from minzheng.core.models import Division
    from minzheng.programs import postings
    from minzheng.programs.roles import PROGRAMS_DISTRICT, PROGRAMS_TOWN
    from minzheng.programs.setup import ensure_defaults

    roles.sync_roles()
    programmes = ensure_defaults()
    officer = ensure_account(
        username="bench_officer",
        display_name="区局",
        division="440605000000",
        role=PROGRAMS_DISTRICT,
        password="x-Bench-123",
    )
    town = ensure_account(
        username="bench_town",
        display_name="桂城",
        division="440605011000",
        role=PROGRAMS_TOWN,
        password="x-Bench-123",
    )
    today = dt.date.today()
    for p in programmes.values():
        postings.fund_budget(
            actor=officer, programme=p, year=today.year, amount=Decimal("900000000"), on=today
        )
    communities = list(
        Division.objects.filter(level="community", code__startswith="440605").values_list(
            "code", flat=True
        )
    )
    return {
        "programmes": programmes,
        "officer": officer,
        "town": town,
        "today": today,
        "communities": communities,
        "rng": random.Random(3),
    }


def _facts(code: str, rng: random.Random) -> dict:
    if code == "temporary_assistance":
        cat = rng.choice(["emergency", "expense"])
        f = {
            "category": cat,
            "cause": rng.choice(["fire", "traffic", "illness"])
            if cat == "emergency"
            else rng.choice(["medical", "education"]),
            "event_date": "2026-01-02",
            "household_size": rng.randint(1, 6),
            "monthly_income_per_person": str(rng.randrange(200, 3000)),
            "description": "bench",
        }
        if cat == "expense":
            f["expense"] = str(rng.randrange(500, 20000))
        return f
    if code == "education_aid":
        return {
            "student_name": "学生",
            "school": "x",
            "stage": rng.choice(["primary", "junior", "senior", "college"]),
            "basis": "dibao",
            "enrolled": True,
        }
    if code == "social_worker_grant":
        return {
            "level": rng.choice(["assistant", "social_worker", "senior"]),
            "certificate_no": "c",
            "certified_on": "2020-06-01",
            "employer": "x",
            "works_in_district": True,
        }
    return {
        "period": "2026-Q1",
        "new_beds": rng.randint(0, 30),
        "bed_months_self_care": rng.randint(0, 90),
        "bed_months_partial": rng.randint(0, 60),
        "bed_months_full": rng.randint(0, 40),
        "licensed": True,
    }


def _application(
    ctx, i: int, *, code: str, state: str, prefix: str, amount=None, account: bool = False
):
    from minzheng.programs.models import Application

    rng, today = ctx["rng"], ctx["today"]
    submitted = today - dt.timedelta(days=rng.randrange(0, 60))
    return Application(
        programme=ctx["programmes"][code],
        number=f"{prefix}{i:08d}",
        idempotency_key=f"{prefix}-{i}",
        channel="counter",
        state=state,
        division_id=rng.choice(ctx["communities"]),
        applicant_name="陈" + "伟明丽华志强"[i % 6],
        applicant_id_hash=f"{prefix}{i:030d}"[:32],
        applicant_id_masked="440605********0000",
        year=today.year,
        payee_party=f"person:{prefix}{i}",
        payee_name="陈伟明",
        bank_name="农商行",
        bank_account=f"6229{i:012d}" if account else "",
        bank_account_masked="****0000",
        submitted_on=submitted,
        state_since=submitted,
        due_on=submitted + dt.timedelta(days=rng.randrange(3, 20)),
        household_size=1,
        facts=_facts(code, rng),
        amount=amount
        if amount is not None
        else (D1000 if state in ("publicity", "review", "approved") else None),
    )


def seed_open(ctx, n: int) -> dict:
    from minzheng.programs.models import OPEN_STATES, Application

    t = time.perf_counter()
    codes = ["temporary_assistance", "education_aid", "social_worker_grant", "eldercare_subsidy"]
    batch = []
    for i in range(n):
        batch.append(
            _application(
                ctx, i, code=codes[i % 4], state=OPEN_STATES[i % len(OPEN_STATES)], prefix="O"
            )
        )
        if len(batch) == 5000:
            Application.objects.bulk_create(batch)
            batch = []
    Application.objects.bulk_create(batch)
    # Fresh statistics (and PostgreSQL's visibility map), as autovacuum keeps them in production.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {"rows": n, "seconds": round(time.perf_counter() - t, 1)}


def _evaluate(rows, *, cached: bool, on: dt.date, store: bool):
    from minzheng.programs.models import Decision
    from minzheng.programs.rules import ParamSource, RuleContext, evaluate, get_rules

    source = ParamSource(cached=cached)
    decisions = []
    n = 0
    for app_id, code, rules_key, facts, division, size, hid, id_hash in rows:
        rules = get_rules(rules_key)
        rctx = RuleContext(
            programme_code=code,
            on=on,
            division_code=division,
            facts=facts,
            household_size=size,
            params=source,
            applicant={"household_id": hid, "id_hash": id_hash},
        )
        checks, amount = evaluate(rules, rctx)
        n += 1
        if store:
            decisions.append(
                Decision(
                    application_id=app_id,
                    rules_key=rules_key,
                    on=on,
                    eligible=all(c.ok for c in checks),
                    checks=[c.as_record() for c in checks],
                    inputs={"facts": facts, "household_size": size},
                    parameters=amount.parameters_used,
                    amount=amount.amount,
                    explanation=amount.explanation_zh,
                )
            )
            if len(decisions) == 5000:
                Decision.objects.bulk_create(decisions)
                decisions = []
    if decisions:
        Decision.objects.bulk_create(decisions)
    return n, source.lookups


def bench_rules(ctx, *, naive_rows: int) -> dict:
    from minzheng.programs.models import OPEN_STATES, Application

    fields = (
        "id",
        "programme__code",
        "programme__rules_key",
        "facts",
        "division_id",
        "household_size",
        "household_id",
        "applicant_id_hash",
    )
    qs = Application.objects.filter(state__in=OPEN_STATES).order_by("id").values_list(*fields)
    on = ctx["today"]
    sample = list(qs[:naive_rows])
    t = time.perf_counter()
    _, naive_lookups = _evaluate(sample, cached=False, on=on, store=False)
    naive_s = time.perf_counter() - t
    t = time.perf_counter()
    _evaluate(sample, cached=True, on=on, store=False)
    cached_sample_s = time.perf_counter() - t

    t = time.perf_counter()
    n_eval, _ = _evaluate(qs.iterator(chunk_size=5000), cached=True, on=on, store=False)
    evaluate_s = time.perf_counter() - t

    t = time.perf_counter()
    with transaction.atomic():
        n, lookups = _evaluate(qs.iterator(chunk_size=5000), cached=True, on=on, store=True)
    batch_s = time.perf_counter() - t
    return {
        "applications": n,
        "evaluate_only_s": round(evaluate_s, 1),
        "batch_s": round(batch_s, 1),
        "per_s": round(n / batch_s),
        "parameter_queries": lookups,
        "baseline": {
            "rows": len(sample),
            "uncached_s": round(naive_s, 2),
            "uncached_parameter_queries": naive_lookups,
            "cached_s": round(cached_sample_s, 2),
            "uncached_extrapolated_s": round(naive_s * n / max(len(sample), 1), 1),
            "speedup": round(naive_s / max(cached_sample_s, 1e-9), 1),
        },
    }


def bench_queues(ctx, *, requests: int) -> dict:
    from minzheng.programs.models import Application, State
    from minzheng.programs.selectors import QUEUES

    timings, counts = [], {}
    for user in (ctx["officer"], ctx["town"]):
        client = Client()
        client.force_login(user)
        for q in QUEUES:
            for page in (1, 20):
                url = reverse("programs:workbench") + f"?q={q.key}&page={page}"
                client.get(url)  # warm
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                assert response.status_code == 200, response.status_code
                counts[f"{user.username}:{q.key}:p{page}"] = len(queries)
            for i in range(requests):
                url = reverse("programs:workbench") + f"?q={q.key}&page={1 + i % 20}"
                t = time.perf_counter()
                response = client.get(url)
                timings.append(time.perf_counter() - t)
    # Baseline: the same first page without the joins (one query per row for programme and division).
    with CaptureQueriesContext(connection) as naive_q:
        t = time.perf_counter()
        rows = list(Application.objects.filter(state=State.REVIEW).order_by("due_on", "id")[:50])
        _ = [(a.programme.name, a.division.name) for a in rows]
        naive_s = time.perf_counter() - t
    from minzheng.programs.selectors import queue_list

    with CaptureQueriesContext(connection) as joined_q:
        t = time.perf_counter()
        rows = list(queue_list(user=ctx["officer"], queue="approve")[:50])
        _ = [(a.programme.name, a.division.name) for a in rows]
        joined_s = time.perf_counter() - t
    return {
        "requests": len(timings),
        "p50_ms": _ms(timings, 0.5),
        "p95_ms": _ms(timings, 0.95),
        "max_ms": round(max(timings) * 1000, 1),
        "mean_ms": round(statistics.mean(timings) * 1000, 1),
        "query_counts": counts,
        "baseline_list": {
            "naive_queries": len(naive_q),
            "naive_ms": round(naive_s * 1000, 1),
            "joined_queries": len(joined_q),
            "joined_ms": round(joined_s * 1000, 1),
        },
    }


def _seed_approved(ctx, code: str, n: int, prefix: str):
    from minzheng.programs import postings
    from minzheng.programs.models import Application

    apps = [
        _application(ctx, i, code=code, state="approved", prefix=prefix, amount=D1000, account=True)
        for i in range(n)
    ]
    for start in range(0, n, 5000):
        Application.objects.bulk_create(apps[start : start + 5000])
    p = ctx["programmes"][code]
    postings.open_payable(p.code, p.name)
    budget = postings.budget_code(p.code, ctx["today"].year)
    for start in range(0, n, 1000):
        chunk = apps[start : start + 1000]
        lines = [postings._line(budget, debit=D1000 * len(chunk))] + [
            postings._line(postings.payable_code(p.code), credit=D1000, party=a.payee_party)
            for a in chunk
        ]
        with transaction.atomic():
            postings.post(
                actor=ctx["officer"],
                lines=lines,
                memo="bench approvals",
                source="bench",
                key=f"bench:{prefix}:{start}",
                on=ctx["today"],
            )


def bench_disbursement(ctx, *, lines: int) -> dict:
    from minzheng.ledger import selectors as ledger_q
    from minzheng.programs import postings, services
    from minzheng.programs.bankfiles import return_file_xlsx

    officer, today = ctx["officer"], ctx["today"]
    t = time.perf_counter()
    _seed_approved(ctx, "disability_employment", lines, "D")
    seed_s = time.perf_counter() - t

    t = time.perf_counter()
    batch = services.disbursement_batch_create(
        actor=officer,
        division_code="440605000000",
        programme_code="disability_employment",
        on=today,
    )
    create_s = time.perf_counter() - t
    t = time.perf_counter()
    services.disbursement_export_xlsx(actor=officer, batch=batch)
    export_s = time.perf_counter() - t
    ids = list(batch.lines.order_by("id").values_list("id", flat=True))
    failed = set(ids[::100])  # 1 % refused by the bank
    return_file = return_file_xlsx(
        [(i, "失败", "账号已销户") if i in failed else (i, "成功", "") for i in ids]
    )

    # Inject a failure in the 20th chunk, then restart: the committed chunks stay, the rest follows.
    real, calls = postings.payment_chunk, {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 20:
            raise RuntimeError("injected failure")
        return real(**kwargs)

    postings.payment_chunk = flaky
    t = time.perf_counter()
    try:
        services.disbursement_return_import(
            actor=officer, batch=batch, content=return_file, on=today
        )
    except RuntimeError:
        pass
    finally:
        postings.payment_chunk = real
    posted_before = batch.lines.filter(status="paid").count()
    restarted = services.disbursement_post(actor=officer, batch=batch, on=today)
    posting_s = time.perf_counter() - t
    owed = ledger_q.account_balance(postings.payable_code("disability_employment"))

    # Baseline: one ledger entry per line (chunk_size=1), on 500 lines, extrapolated.
    n_base = min(500, lines)
    _seed_approved(ctx, "social_worker_grant", n_base, "B")
    base = services.disbursement_batch_create(
        actor=officer, division_code="440605000000", programme_code="social_worker_grant", on=today
    )
    base_file = return_file_xlsx([(i, "成功", "") for i in base.lines.values_list("id", flat=True)])
    t = time.perf_counter()
    services.disbursement_return_import(
        actor=officer, batch=base, content=base_file, on=today, chunk_size=1
    )
    base_s = time.perf_counter() - t
    return {
        "lines": len(ids),
        "seed_with_approval_postings_s": round(seed_s, 1),
        "batch_create_s": round(create_s, 1),
        "bank_file_s": round(export_s, 1),
        "posting_with_restart_s": round(posting_s, 1),
        "paid_before_failure": posted_before,
        "posted_after_restart": restarted,
        "failed_lines": len(failed),
        "payable_left": str(owed),
        "payable_expected": str(D1000 * len(failed)),
        "trial_balance_ok": ledger_q.trial_balance_ok(),
        "baseline_one_entry_per_line": {
            "lines": n_base,
            "seconds": round(base_s, 1),
            "extrapolated_s": round(base_s * len(ids) / n_base, 1),
        },
    }
