""" "People aided" (welfare, disability employment) over a district's year of services.

    .venv/bin/python bench/welfare_aided.py                     # SQLite, 200,000 services
    .venv/bin/python bench/welfare_aided.py --services 20000    # quick
    .venv/bin/python bench/welfare_aided.py --database-url postgres://postgres@127.0.0.1:5432/minzheng_welfare_bench

Runs the slow-marked test minzheng/welfare/tests/test_bench.py::test_people_aided_full_run
in a fresh pytest process and test database: bulk-inserts the services (every tenth
anonymous, most people served twice), then times the app's selector
(`selectors.people_aided`: one aggregate query, COUNT(DISTINCT) of the ID-number hashes)
against the baseline measured in the same run — the first design, the year's hashes read
into Python and counted as a set — and checks that both give the same figure. Result:
bench/results/welfare_aided-<database>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
TEST = "minzheng/welfare/tests/test_bench.py::test_people_aided_full_run"


def _machine() -> dict[str, object]:
    cpu, memory_mb = platform.processor(), None
    try:
        info = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        memory_mb = next(int(line.split()[1]) // 1024 for line in meminfo if "MemTotal" in line)
    except (OSError, StopIteration):
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_mb": memory_mb,
        "python": platform.python_version(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=200_000)
    parser.add_argument("--database-url", default="", help="PostgreSQL; default SQLite")
    args = parser.parse_args()
    database = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        env = {
            **os.environ,
            "WELFARE_BENCH_SERVICES": str(args.services),
            "WELFARE_BENCH_RESULT": out.name,
        }
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
            env["TEST_DATABASE_NAME"] = "minzheng_welfare_bench"
        else:
            env.pop("DATABASE_URL", None)
        started = time.perf_counter()
        code = subprocess.call(
            [sys.executable, "-m", "pytest", TEST, "-m", "slow", "-q", "-p", "no:randomly"],
            cwd=ROOT,
            env=env,
        )
        wall = time.perf_counter() - started
        text = Path(out.name).read_text()
    measured = json.loads(text) if text else {}
    result = {
        "benchmark": "welfare_aided",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "load_average": os.getloadavg(),
        "database": database,
        "wall_seconds": round(wall, 1),
        **measured,
        "passed": code == 0 and bool(measured),
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"welfare_aided-{database}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
