"""The long fuzz run of every documented API operation (schemathesis), as anonymous and as staff.

    .venv/bin/python bench/api_fuzz.py                       # SQLite, 100 examples per operation and mode
    .venv/bin/python bench/api_fuzz.py --examples 40         # quicker
    .venv/bin/python bench/api_fuzz.py --database-url postgres://postgres@127.0.0.1:5432/minzheng_fuzz_bench

Runs the slow-marked test minzheng/core/tests/test_api_fuzz.py::test_fuzz_long_run_finds_no_server_error
(the same code as the short run in `make test`, fixed seed, more examples) in a fresh
pytest process against a fresh test database, in-process through the WSGI application.
Each operation is fuzzed with schema-conforming (positive) and non-conforming (negative)
data. Target: no response >= 500. Result: bench/results/api_fuzz-<database>.json with the
number of operations, examples, status counts and server errors per role.
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
TEST = "minzheng/core/tests/test_api_fuzz.py::test_fuzz_long_run_finds_no_server_error"


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
    parser.add_argument("--examples", type=int, default=100, help="per operation and mode")
    parser.add_argument("--database-url", default="", help="PostgreSQL; default SQLite")
    args = parser.parse_args()

    database = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as out:
        env = {
            **os.environ,
            "FUZZ_MAX_EXAMPLES": str(args.examples),
            "FUZZ_RESULT_FILE": out.name,
        }
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
            env["TEST_DATABASE_NAME"] = "minzheng_fuzz_bench"
        else:
            env.pop("DATABASE_URL", None)
        started = time.perf_counter()
        code = subprocess.call(
            [sys.executable, "-m", "pytest", TEST, "-m", "slow", "-q", "-p", "no:randomly"],
            cwd=ROOT,
            env=env,
        )
        wall = time.perf_counter() - started
        roles = [json.loads(line) for line in Path(out.name).read_text().splitlines() if line]

    result = {
        "benchmark": "api_fuzz",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "database": database,
        "examples_per_operation_and_mode": args.examples,
        "wall_seconds": round(wall, 1),
        "roles": roles,
        "server_errors": sum(r["server_errors"] for r in roles),
        "target": "no response >= 500",
        "passed": code == 0 and len(roles) == 2,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"api_fuzz-{database}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
