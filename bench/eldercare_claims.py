"""Benchmark the elderly-care monthly operating-subsidy claim run at district scale.

    .venv/bin/python bench/eldercare_claims.py                          # SQLite, 500 / 50,000
    .venv/bin/python bench/eldercare_claims.py --database-url postgres://postgres@127.0.0.1:5432/minzheng_eldercare_bench
    .venv/bin/python bench/eldercare_claims.py --institutions 50 --elders 5000   # quick run

What it measures (target from issue 17): the monthly claim run for 500 private institutions
and 50,000 elders — every elder's line computed and explained (days, absences, level, grade,
rate), written, one engine application granted per institution (Dr BUDGET / Cr PAYABLE) and
the disbursement batch built — under 60 s; then the bank's return file applied and posted
(Dr PAYABLE / Cr BANK). Baseline side by side in the same run: the same lines computed the
naive way (one query per elder for its assessment, its absences and its institution's grade,
and every parameter looked up without the snapshot) on a sample, extrapolated to the month.

The database is created fresh every run (a SQLite file in bench/.cache/, or the PostgreSQL
database named in the URL — dropped and created again, so never point it at data you keep).
Results: bench/results/eldercare_claims-<sqlite|postgresql>.json.
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
    parser.add_argument("--database-url", default=f"sqlite:///{CACHE / 'eldercare_bench.sqlite3'}")
    parser.add_argument("--institutions", type=int, default=500)
    parser.add_argument("--elders", type=int, default=50_000)
    parser.add_argument("--baseline", type=int, default=2_000, help="elders in the naive sample")
    args = parser.parse_args()

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
    from minzheng.eldercare.tests import claims_load

    result = {
        "benchmark": "eldercare_claims",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": vendor,
        "machine": machine(),
        "load_average": os.getloadavg(),
        "sizes": {"institutions": args.institutions, "elders": args.elders},
    }
    started = time.perf_counter()
    world = claims_load.seed(institutions=args.institutions, elders=args.elders)
    result["seed"] = {k: v for k, v in world.items() if k != "officer"}
    result["seed"]["seconds"] = round(time.perf_counter() - started, 1)
    cpu = time.process_time()
    measured = claims_load.run(world["officer"])
    result["run"] = {
        "seconds": measured["seconds"],
        "process_cpu_seconds": round(time.process_time() - cpu, 2),
        "target_seconds": 60,
        "ok": measured["seconds"] < 60,
    }
    result["check"] = claims_load.check(measured["run"])
    result["pay"] = claims_load.pay(world["officer"], measured["run"])
    base = claims_load.baseline(world["officer"], sample=args.baseline)
    base["extrapolated_seconds"] = round(base["ms_per_elder"] * args.elders / 1000, 1)
    result["baseline_naive"] = base
    result["run"]["ms_per_elder"] = round(measured["seconds"] * 1000 / args.elders, 3)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"eldercare_claims-{vendor}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    check = result["check"]
    explained = check["explained"] == check["lines"] and check["lines_total"] == check["run_total"]
    return 0 if result["run"]["ok"] and explained else 1


if __name__ == "__main__":
    raise SystemExit(main())
