"""`make bench`: every benchmark, full size, each in its own process; results in bench/results/.

The list is in running order (the person API benchmark reads the database the import
benchmark filled). A benchmark whose script is not there yet is reported and skipped.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PG = "postgres://postgres@127.0.0.1:5432/minzheng_bench"

BENCHMARKS: list[list[str]] = [
    ["import_persons.py"],
    ["person_api.py"],
    ["import_persons.py", "--database-url", PG],
    ["person_api.py", "--database-url", PG],
    ["programs_batch.py"],
    [
        "programs_batch.py",
        "--database-url",
        "postgres://postgres@127.0.0.1:5432/minzheng_programs_bench",
    ],
    ["qingming_burst.py"],
    ["learning_tests.py"],
    ["dispatch.py"],
    ["tracing.py"],
    ["welfare_aided.py"],
    [
        "welfare_aided.py",
        "--database-url",
        "postgres://postgres@127.0.0.1:5432/minzheng_welfare_bench",
    ],
    ["charity_import.py"],
    ["charity_import.py", "--database", "postgresql"],
    ["charity_disclosure.py"],
    ["charity_disclosure.py", "--database", "postgresql"],
    ["eldercare_claims.py"],
    [
        "eldercare_claims.py",
        "--database-url",
        "postgres://postgres@127.0.0.1:5432/minzheng_eldercare_bench",
    ],
    ["api_fuzz.py"],
    ["api_fuzz.py", "--database-url", "postgres://postgres@127.0.0.1:5432/minzheng_fuzz_bench"],
]


def main() -> int:
    failed = []
    for args in BENCHMARKS:
        script = BENCH / args[0]
        if not script.exists():
            print(f"--- {args[0]}: not present, skipped")
            continue
        print(f"\n=== {' '.join(args)} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script), *args[1:]])
        print(f"--- {args[0]} exit {code} in {time.perf_counter() - started:.0f} s", flush=True)
        if code:
            failed.append(" ".join(args))
    if failed:
        print("failed:", "; ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
