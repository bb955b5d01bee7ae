"""Benchmark the assistance engine at district scale.

    .venv/bin/python bench/programs_batch.py                       # SQLite, full size
    .venv/bin/python bench/programs_batch.py --database-url postgres://postgres@127.0.0.1:5432/minzheng_programs_bench
    .venv/bin/python bench/programs_batch.py --open 20000 --lines 10000   # quick run

What it measures (targets from issue 3, docs/performance/programs.md):
1. rule evaluation + amount calculation for 100,000 applications in one batch, decisions
   stored (< 60 s); baseline side by side: per-row parameter lookups (no cache);
2. a disbursement batch of 50,000 lines: batch creation, bank file, return file and the
   ledger posting in chunks of 1,000 lines, each chunk its own transaction, with a failure
   injected mid-way and a restart (< 60 s for the posting); baseline: one ledger entry
   per line;
3. the workbench queue pages with 100,000 open cases: p95 < 150 ms and the same query
   count on every queue and page; baseline: the same list without the joins (N+1).

The database is created fresh every run (a SQLite file in bench/.cache/, or the PostgreSQL
database named in the URL — dropped and created again, so never point it at data you keep).
Results: bench/results/programs_batch-<sqlite|postgresql>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=f"sqlite:///{CACHE / 'programs_bench.sqlite3'}")
    parser.add_argument(
        "--open", type=int, default=100_000, help="open applications (queues, rule batch)"
    )
    parser.add_argument("--lines", type=int, default=50_000, help="lines of the disbursement batch")
    parser.add_argument("--naive", type=int, default=5_000, help="rows for the uncached baseline")
    parser.add_argument("--requests", type=int, default=30, help="requests per queue and user")
    args = parser.parse_args()

    # The same fresh database, environment and machine record as the person-import benchmark.
    from import_persons import _environment as environment
    from import_persons import _fresh_database as fresh_database
    from import_persons import _machine as machine

    vendor = fresh_database(args.database_url)
    env = environment(args.database_url)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, check=True, cwd=ROOT
    )
    os.environ.update(env)
    import django

    django.setup()
    import programs_work as work

    started = time.perf_counter()
    result = {
        "benchmark": "programs_batch",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": vendor,
        "machine": machine(),
        "sizes": {"open": args.open, "lines": args.lines, "naive": args.naive},
    }
    ctx = work.prepare()
    result["seed_open"] = work.seed_open(ctx, args.open)
    result["rules"] = work.bench_rules(ctx, naive_rows=args.naive)
    result["queues"] = work.bench_queues(ctx, requests=args.requests)
    result["disbursement"] = work.bench_disbursement(ctx, lines=args.lines)
    result["total_s"] = round(time.perf_counter() - started, 1)
    result["targets"] = {
        "rules_under_60s": result["rules"]["evaluate_only_s"] < 60,
        "rules_with_stored_decisions_under_60s": result["rules"]["batch_s"] < 60,
        "posting_under_60s": result["disbursement"]["posting_with_restart_s"] < 60,
        "queue_p95_under_150ms": result["queues"]["p95_ms"] < 150,
        "queue_query_count_constant": result["queues"]["query_counts"]
        and len(set(result["queues"]["query_counts"].values())) <= 2,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"programs_batch-{vendor}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    print(f"→ {out}")
    return 0 if all(result["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
