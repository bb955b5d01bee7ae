"""Benchmark the family-tracing matcher: recall, no-match precision and latency over a
million missing-person reports, against an exact-name + birth-year baseline.

    .venv/bin/python bench/tracing.py                       # full run: 1,000,000 reports + DB run
    .venv/bin/python bench/tracing.py --reports 100000 --db-reports 0   # quick, in-memory only

Phase 1 (in memory): builds `reports` reports (bench/rescue_data.py), the matcher's
`BlockIndex` — the same blocking keys (`matching.report_keys`/`query_keys`) and the same
scoring (`matching.rank`) that the app uses; the app reads the keys from indexed ReportKey
rows instead of a dict — and runs queries made by perturbing known reports in each way the
issue lists (per kind), plus queries with no true match. The baseline, measured in the same
run on the same queries, is an exact-name lookup narrowed by the birth-year range of the
estimated age (a dict of (name, birth year) → reports, closest date last seen first).

Phase 2 (database, PostgreSQL `minzheng_rescue_bench`, dropped and created fresh): imports
`db_reports` reports through `services.reports_import` (bulk_create of reports + keys) and
times `selectors.match_query` — the app's own path — on a sample of the same kinds of query.

Definitions: recall@k = share of queries with a true report whose report is among the first
k candidates. No-match precision = share of queries without a true report whose top score is
under `matching.MATCH_THRESHOLD` (or that get no candidate). Latency = wall time of one
query (search + scoring), single process.
Targets (issue 6): recall@10 ≥ 0.95, p95 < 300 ms. Result: bench/results/tracing.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

TARGET_RECALL10 = 0.95
TARGET_P95_MS = 300
DB_URL = "postgres://postgres@127.0.0.1:5432/minzheng_rescue_bench"


def _machine() -> dict[str, object]:
    cpu = ""
    memory_mb = None
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        memory_mb = next(
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
    except (OSError, StopIteration):
        cpu = cpu or platform.processor()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_mb": memory_mb,
        "python": platform.python_version(),
    }


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _summarise(outcomes: list[dict], threshold: float) -> dict:
    """outcomes: {kind, truth, ranked keys, top score, ms}."""
    by_kind = defaultdict(list)
    for o in outcomes:
        by_kind[o["kind"]].append(o)
    kinds = {}
    for kind, rows in by_kind.items():
        ms = [r["ms"] for r in rows]
        entry = {
            "queries": len(rows),
            "p50_ms": round(_pct(ms, 50), 1),
            "p95_ms": round(_pct(ms, 95), 1),
        }
        if kind == "no_match":
            entry["top_under_threshold"] = round(
                sum(1 for r in rows if r["top_score"] < threshold) / len(rows), 3
            )
        else:
            entry["recall_at_1"] = round(
                sum(1 for r in rows if r["ranked"][:1] == [r["truth"]]) / len(rows), 3
            )
            entry["recall_at_10"] = round(
                sum(1 for r in rows if r["truth"] in r["ranked"][:10]) / len(rows), 3
            )
        kinds[kind] = entry
    matched = [o for o in outcomes if o["truth"]]
    none = [o for o in outcomes if not o["truth"]]
    ms = [o["ms"] for o in outcomes]
    top_correct = [o for o in matched if o["ranked"][:1] == [o["truth"]]]
    return {
        "queries": len(outcomes),
        "recall_at_1": round(len(top_correct) / len(matched), 3) if matched else None,
        "recall_at_10": round(
            sum(1 for o in matched if o["truth"] in o["ranked"][:10]) / len(matched), 3
        )
        if matched
        else None,
        "no_match_precision": round(
            sum(1 for o in none if o["top_score"] < threshold) / len(none), 3
        )
        if none
        else None,
        "matched_top_over_threshold": round(
            sum(1 for o in top_correct if o["top_score"] >= threshold) / len(matched), 3
        )
        if matched
        else None,
        "p50_ms": round(_pct(ms, 50), 1),
        "p95_ms": round(_pct(ms, 95), 1),
        "max_ms": round(max(ms), 1) if ms else 0,
        "mean_ms": round(statistics.fmean(ms), 1) if ms else 0,
        "by_kind": kinds,
    }


def _baseline(reports, queries) -> list[dict]:
    """Exact name + birth year within the estimated age range; closest date last seen first."""
    index = defaultdict(list)
    for r in reports:
        if r.birth_year:
            index[(r.name, r.sex, r.birth_year)].append(r)
    outcomes = []
    for kind, truth, q in queries:
        t0 = time.perf_counter()
        found = []
        if q.name:
            for year in range(q.found_date.year - q.age_max, q.found_date.year - q.age_min + 1):
                found += [
                    r
                    for r in index.get((q.name, q.sex, year), ())
                    if r.missing_date <= q.found_date
                ]
        found.sort(key=lambda r: (q.found_date - r.missing_date).days)
        ms = (time.perf_counter() - t0) * 1000
        outcomes.append(
            {
                "kind": kind,
                "truth": truth,
                "ranked": [r.key for r in found[:10]],
                "top_score": 1.0 if found else 0.0,
                "ms": ms,
            }
        )
    return outcomes


def run_memory(args) -> dict:
    from rescue_data import make_queries, make_reports

    from minzheng.rescue import matching

    t0 = time.perf_counter()
    reports = make_reports(args.reports, args.seed)
    t1 = time.perf_counter()
    index = matching.BlockIndex()
    for r in reports:
        index.add(r)
    index.freeze()
    t2 = time.perf_counter()
    queries = make_queries(reports, args.per_kind, args.no_match, args.seed + 1)
    print(
        f"reports {len(reports):,} in {t1 - t0:.1f}s; index {len(index.blocks):,} keys in {t2 - t1:.1f}s; {len(queries)} queries",
        flush=True,
    )
    outcomes = []
    for n, (kind, truth, q) in enumerate(queries):
        s = time.perf_counter()
        found = index.search(q, top=10)
        ms = (time.perf_counter() - s) * 1000
        outcomes.append(
            {
                "kind": kind,
                "truth": truth,
                "ranked": [c.key for c in found],
                "top_score": found[0].score if found else 0.0,
                "ms": ms,
            }
        )
        if n % 500 == 0:
            print(f"  {n}/{len(queries)} queries", flush=True)
    block_sizes = sorted(len(v) for v in index.blocks.values())
    return {
        "reports": len(reports),
        "index_keys": len(index.blocks),
        "largest_block": block_sizes[-1],
        "median_block": block_sizes[len(block_sizes) // 2],
        "build_reports_s": round(t1 - t0, 1),
        "build_index_s": round(t2 - t1, 1),
        "matcher": _summarise(outcomes, matching.MATCH_THRESHOLD),
        "baseline_exact_name_birth_year": _summarise(
            _baseline(reports, queries), matching.MATCH_THRESHOLD
        ),
    }


# ---------------------------------------------------------------- database phase


def _fresh_pg(url: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if name != "minzheng_rescue_bench":
        raise SystemExit(f"refusing to recreate {name!r}: only minzheng_rescue_bench")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def run_db_phase(args) -> dict:
    """Runs in a child interpreter with Django configured for the bench database."""
    import django

    django.setup()
    from django.core.management import call_command
    from rescue_data import make_queries, make_reports

    from minzheng.core import roles
    from minzheng.core.demo_accounts import ensure_account
    from minzheng.rescue import matching, services
    from minzheng.rescue.selectors import match_query

    call_command("migrate", verbosity=0)
    roles.sync_roles()
    actor = ensure_account(
        username="bench_admin",
        display_name="bench",
        division="440605000000",
        role=roles.SYSTEM_ADMIN,
        password="Bench-Password-1",
        superuser=True,
    )
    reports = make_reports(args.db_reports, args.seed)
    rows = [
        {
            "external_id": r.key,
            "name": r.name,
            "sex": r.sex,
            "birth_date": "",
            "birth_year": str(r.birth_year or ""),
            "missing_date": r.missing_date.isoformat(),
            "missing_place": r.missing_place,
            "description": r.description,
            "contact": "",
        }
        for r in reports
    ]
    t0 = time.perf_counter()
    count, errors = services.reports_import(actor=actor, rows=rows)
    assert not errors, errors[:3]
    import_s = time.perf_counter() - t0
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    queries = make_queries(reports, args.db_per_kind, args.db_no_match, args.seed + 1)
    outcomes = []
    for kind, truth, q in queries:
        s = time.perf_counter()
        found = match_query(q, top=10)
        ms = (time.perf_counter() - s) * 1000
        outcomes.append(
            {
                "kind": kind,
                "truth": truth,
                "ranked": [c.key for c in found],
                "top_score": found[0].score if found else 0.0,
                "ms": ms,
            }
        )
    return {
        "reports": count,
        "import_s": round(import_s, 1),
        "import_rows_per_s": round(count / import_s),
        "matcher": _summarise(outcomes, matching.MATCH_THRESHOLD),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the family-tracing matcher.")
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--no-match", type=int, default=300)
    parser.add_argument(
        "--db-reports", type=int, default=100_000, help="0 skips the database phase"
    )
    parser.add_argument("--db-per-kind", type=int, default=30)
    parser.add_argument("--db-no-match", type=int, default=30)
    parser.add_argument("--database-url", default=DB_URL)
    parser.add_argument("--seed", type=int, default=20210531)
    parser.add_argument("--db-phase", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.db_phase:
        print("DBRESULT " + json.dumps(run_db_phase(args)), flush=True)
        return 0

    started = dt.datetime.now(dt.UTC)
    from minzheng.rescue import matching

    result = {
        "benchmark": "tracing",
        "date": started.isoformat(timespec="seconds"),
        "machine": _machine(),
        "match_threshold": matching.MATCH_THRESHOLD,
        "weights": matching.WEIGHTS,
        "targets": {"recall_at_10": TARGET_RECALL10, "p95_ms": TARGET_P95_MS},
    }
    result["in_memory"] = run_memory(args)
    m = result["in_memory"]["matcher"]
    print(
        f"in-memory: recall@1 {m['recall_at_1']} recall@10 {m['recall_at_10']} no-match {m['no_match_precision']} p95 {m['p95_ms']} ms",
        flush=True,
    )
    if args.db_reports:
        _fresh_pg(args.database_url)
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.settings.base",
            DATABASE_URL=args.database_url,
            TASK_RUNNER="eager",
            DEBUG="false",
            MINZHENG_VAR_DIR=str(BENCH / ".cache" / "var"),
            MEDIA_ROOT=str(BENCH / ".cache" / "var" / "private"),
        )
        cmd = [
            sys.executable,
            __file__,
            "--db-phase",
            "--db-reports",
            str(args.db_reports),
            "--db-per-kind",
            str(args.db_per_kind),
            "--db-no-match",
            str(args.db_no_match),
            "--seed",
            str(args.seed),
        ]
        proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=3600)
        line = next((x for x in proc.stdout.splitlines() if x.startswith("DBRESULT ")), None)
        if line is None:
            print(proc.stdout[-2000:], proc.stderr[-4000:], file=sys.stderr)
            return 1
        result["database_postgresql"] = json.loads(line[len("DBRESULT ") :])
        d = result["database_postgresql"]["matcher"]
        print(
            f"database: recall@10 {d['recall_at_10']} p95 {d['p95_ms']} ms over {result['database_postgresql']['reports']:,} reports"
        )
    result["seconds"] = round((dt.datetime.now(dt.UTC) - started).total_seconds())
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "tracing.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(f"written {RESULTS / 'tracing.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
