"""Benchmark the person import: rows per second and peak memory of one import job.

    .venv/bin/python bench/import_persons.py                      # 1,000,000 rows, SQLite
    .venv/bin/python bench/import_persons.py --rows 20000         # quick run
    .venv/bin/python bench/import_persons.py \\
        --database-url postgres://postgres@127.0.0.1:5432/minzheng_bench

The CSV comes from bench/make_persons_csv.py and is cached in bench/.cache/. The database
is created fresh every run: a SQLite file in bench/.cache/, or the PostgreSQL database
named in the URL (dropped and created again through the server's "postgres" database,
so never point this at a database you want to keep). After migrating and creating a
district-level user, the import job runs synchronously (persons_import_run, both
passes) in a fresh interpreter, so that its peak RSS is the job's alone.

Targets (docs/performance.md): ≥ 5,000 rows/s and peak RSS < 500 MB at 1,000,000 rows.
The result goes to bench/results/import_persons-<sqlite|postgresql>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results"
TARGET_ROWS_PER_S = 5000
TARGET_RSS_MB = 500

sys.path.insert(0, str(ROOT))


def _environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": database_url,
            "MINZHENG_VAR_DIR": str(CACHE / "var"),
            "MEDIA_ROOT": str(CACHE / "var" / "private"),
            "TASK_RUNNER": "eager",
            "DEBUG": "false",
        }
    )
    return env


def _fresh_database(database_url: str) -> str:
    """Create an empty database; returns the vendor name used in the result file."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("sqlite://", 1)[1])
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return "sqlite"
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing an unusual database name: {name!r}")
    admin_url = urlunsplit(
        (parts.scheme.replace("postgresql", "postgres"), parts.netloc, "/postgres", "", "")
    )
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return "postgresql"


def _setup(database_url: str, csv_path: Path) -> int:
    """Migrate, create the user and the job (pointing at the cached CSV); returns the job id."""
    os.environ.update(_environment(database_url))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from minzheng.core import roles
    from minzheng.core.models import Division, Job, User
    from minzheng.registry.imports import JOB_KIND

    roles.sync_roles()
    district = settings.MINZHENG_DISTRICT_CODE
    if not Division.objects.filter(code=district).exists():
        raise SystemExit("divisions are missing: core.0002_load_divisions should have loaded them")
    user = User.objects.create_user(
        username="bench-district", password="bench-Pass-2024!", division_id=district
    )
    user.groups.add(Group.objects.get(name=roles.DISTRICT_OFFICER))
    # The job points at the cached file instead of copying 150 MB through memory.
    media_jobs = Path(settings.MEDIA_ROOT) / "jobs"
    media_jobs.mkdir(parents=True, exist_ok=True)
    target = media_jobs / f"bench-{csv_path.name}"
    target.unlink(missing_ok=True)
    try:
        target.hardlink_to(csv_path)
    except OSError:
        shutil.copyfile(csv_path, target)
    job = Job.objects.create(
        kind=JOB_KIND, created_by=user, params={"filename": csv_path.name, "format": "csv"}
    )
    job.input_file.name = f"jobs/{target.name}"
    job.save(update_fields=["input_file"])
    return job.pk


def _run_job(job_id: int) -> None:
    """In the child: run the job and print its timing and peak memory as JSON."""
    import django

    django.setup()
    import threading

    from django.db import connection

    from minzheng.core.models import Job
    from minzheng.registry.imports import persons_import_run
    from minzheng.registry.models import Household, HouseholdMember, Person

    samples: list[tuple[float, float]] = []  # (seconds since start, RSS MB)
    finished = threading.Event()
    # PostgreSQL does the index work in its own processes: the job's session and the
    # importer's writer session. Their CPU is sampled by database name every second.
    database = connection.settings_dict["NAME"] if connection.vendor == "postgresql" else None
    server_cpu: dict[int, float] = {}
    server_start = _backend_cpu(database)

    def sample() -> None:
        while not finished.wait(1.0):
            samples.append((round(time.perf_counter() - started, 1), _rss_mb()))
            server_cpu.update(_backend_cpu(database))

    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    threading.Thread(target=sample, daemon=True).start()
    persons_import_run(job_id=job_id)
    seconds = time.perf_counter() - started
    finished.set()
    server_cpu.update(_backend_cpu(database))
    server_total = (
        round(sum(v - server_start.get(pid, 0.0) for pid, v in server_cpu.items()), 1)
        if database
        else None
    )
    after = resource.getrusage(resource.RUSAGE_SELF)
    job = Job.objects.get(pk=job_id)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "status": job.status,
                "errors": job.errors[:5],
                "result": job.result,
                "seconds": round(seconds, 2),
                "cpu_user_s": round(after.ru_utime - before.ru_utime, 1),
                "cpu_system_s": round(after.ru_stime - before.ru_stime, 1),
                "server_backend_cpu_s": server_total,
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "rss_timeline": samples[:: max(1, len(samples) // 40)],
                "persons": Person.objects.count(),
                "person_history": Person.history.model.objects.count(),
                "households": Household.objects.count(),
                "members": HouseholdMember.objects.count(),
            },
            ensure_ascii=False,
        )
    )


def _backend_cpu(database: str | None) -> dict[int, float]:
    """CPU seconds (user + system) of each local PostgreSQL backend serving `database`."""
    found: dict[int, float] = {}
    if not database:
        return found
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            if not cmdline.startswith(b"postgres:") or f" {database} ".encode() not in cmdline:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(proc.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _machine() -> dict[str, object]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    memory_mb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_mb = int(line.split()[1]) // 1024
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_mb": memory_mb,
        "python": platform.python_version(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the person import.")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--run-job", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.run_job:
        _run_job(args.run_job)
        return 0

    database_url = args.database_url or f"sqlite:///{CACHE / 'bench.sqlite3'}"
    csv_path = CACHE / f"persons-{args.rows}-{args.seed}.csv"
    if not csv_path.exists():
        from make_persons_csv import write_csv

        print(f"generating {args.rows:,} rows → {csv_path}")
        write_csv(args.rows, csv_path, args.seed)

    vendor = _fresh_database(database_url)
    # Setup runs in its own interpreter too, so the measured child starts clean.
    job_id = _setup_in_child(database_url, csv_path)
    print(f"database ready ({vendor}); importing {args.rows:,} rows …")
    child = subprocess.run(
        [sys.executable, __file__, "--run-job", str(job_id)],
        env=_environment(database_url),
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        print(child.stdout, child.stderr, sep="\n")
        return 1
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    rows_per_s = round(args.rows / measured["seconds"]) if measured["seconds"] else None
    ok = (
        measured["status"] == "succeeded"
        and measured["persons"] == args.rows
        and (rows_per_s or 0) >= TARGET_ROWS_PER_S
        and measured["peak_rss_mb"] < TARGET_RSS_MB
    )
    report = {
        "benchmark": "import_persons",
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": _machine(),
        "database": vendor,
        "rows": args.rows,
        "seconds": measured["seconds"],
        "rows_per_s": rows_per_s,
        "peak_rss_mb": measured["peak_rss_mb"],
        "cpu_user_s": measured["cpu_user_s"],
        "cpu_system_s": measured["cpu_system_s"],
        "server_backend_cpu_s": measured["server_backend_cpu_s"],
        # Other work on the machine slows the wall clock; the load average shows it.
        "load_average_after": round(os.getloadavg()[0], 2),
        "targets": {"rows_per_s": TARGET_ROWS_PER_S, "peak_rss_mb": TARGET_RSS_MB},
        "targets_met": ok,
        "job": {k: measured[k] for k in ("status", "result", "errors")},
        "rss_timeline_s_mb": measured["rss_timeline"],
        "counts": {k: measured[k] for k in ("persons", "person_history", "households", "members")},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"import_persons-{vendor}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(
        f"{vendor}: {args.rows:,} rows in {measured['seconds']:.1f} s = {rows_per_s:,} rows/s, "
        f"peak RSS {measured['peak_rss_mb']:.0f} MB; job {measured['status']}; "
        f"{measured['households']:,} households; targets {'met' if ok else 'NOT met'} → {out}"
    )
    return 0 if ok else 2


def _setup_in_child(database_url: str, csv_path: Path) -> int:
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(BENCH)!r}); import import_persons as b; "
            f"print(b._setup({database_url!r}, __import__('pathlib').Path({str(csv_path)!r})))",
        ],
        env=_environment(database_url),
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        raise SystemExit(f"setup failed:\n{child.stdout}\n{child.stderr}")
    return int(child.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    sys.exit(main())
