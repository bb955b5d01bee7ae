"""Shared set-up of the charity benchmarks: a fresh database (PostgreSQL
`minzheng_charity_bench`, dropped and created, or a SQLite file under bench/.cache/), one
charitable organisation with a staff account and an open campaign, a statement CSV.

Each benchmark re-runs itself in a child interpreter with Django configured for the bench
database (as bench/tracing.py does), so the parent never touches a real database."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
CACHE = BENCH / ".cache"
PG_URL = "postgres://postgres@127.0.0.1:5432/minzheng_charity_bench"
START = dt.date(2021, 1, 1)
SURNAMES = "陈李黄梁何张罗冯潘吴杜邓关区麦谭叶刘"
GIVEN = ["伟强", "淑仪", "志明", "丽萍", "家豪", "秀琼", "国华", "嘉敏", "锦荣", "少玲"]


def machine() -> dict[str, object]:
    cpu, memory_mb = "", None
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
        "load_average": os.getloadavg(),
    }


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def statement_csv(rows: int, seed: int = 2021) -> bytes:
    """A bank statement of `rows` transfers over 2021 (amounts 1.00–5,000.00 元)."""
    rng = random.Random(seed)
    out = ["交易日期,付款人,金额,交易流水号,付款人类型,匿名"]
    for i in range(rows):
        on = START + dt.timedelta(days=i % 365)
        org = i % 10 == 0
        name = f"南海示例企业{i % 997}有限公司" if org else rng.choice(SURNAMES) + rng.choice(GIVEN)
        amount = f"{rng.randint(100, 500000) / 100:.2f}"
        anon = "是" if i % 13 == 0 else "否"
        out.append(f"{on.isoformat()},{name},{amount},B{i:09d},{'单位' if org else '个人'},{anon}")
    return ("\r\n".join(out) + "\r\n").encode()


def database_url(kind: str, name: str) -> str:
    if kind == "postgresql":
        return PG_URL
    CACHE.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{CACHE / f'{name}.sqlite3'}"


def fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if name != "minzheng_charity_bench":
        raise SystemExit(f"refusing to recreate {name!r}: only minzheng_charity_bench")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def run_child(script: str, url: str, args: list[str]) -> dict:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL=url,
        TASK_RUNNER="eager",
        DEBUG="false",
        MINZHENG_VAR_DIR=str(CACHE / "var"),
        MEDIA_ROOT=str(CACHE / "var" / "private"),
    )
    proc = subprocess.run(
        [sys.executable, script, "--child", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        print(proc.stdout[-2000:], proc.stderr[-4000:], file=sys.stderr)
        raise SystemExit(1)
    return json.loads(line[len("RESULT ") :])


def setup_world():
    """In the child: migrate, one charity, a linked staff account, an open 2021 campaign."""
    import django

    django.setup()
    from django.core.management import call_command

    from minzheng.charity import roles, services
    from minzheng.core import roles as core_roles
    from minzheng.core.demo_accounts import ensure_account
    from minzheng.registry.services import organisation_register
    from minzheng.registry.validators import uscc_check_character

    call_command("migrate", verbosity=0)
    core_roles.sync_roles()
    officer = ensure_account(
        username="bench_officer",
        display_name="bench",
        division="440605000000",
        role=core_roles.DISTRICT_OFFICER,
        password="Bench-Password-1",
    )
    staff = ensure_account(
        username="bench_charity",
        display_name="bench",
        division="440605000000",
        role=roles.CHARITY_STAFF,
        password="Bench-Password-1",
    )
    first17 = "51440605MJ0000099"
    org = organisation_register(
        actor=officer,
        name="基准测试慈善会",
        kind="social_org",
        division_code="440605000000",
        credit_code=first17 + uscc_check_character(first17),
    )
    charity = services.charity_register(
        actor=officer,
        organisation=org,
        status="recognised",
        recognised_on=dt.date(2017, 1, 1),
        receipt_prefix="BENCH",
        public_fundraising=True,
        fundraising_certificate_no="B-1",
        fundraising_valid_from=dt.date(2017, 1, 1),
    )
    services.charity_staff_link(actor=officer, charity=charity, user=staff)
    staff = type(staff).objects.get(pk=staff.pk)
    campaign = services.campaign_create(
        actor=staff,
        charity=charity,
        data=services.CampaignInput(
            kind="fundraising",
            title="基准测试募捐",
            purpose="基准测试",
            starts_on=START,
            ends_on=dt.date(2021, 12, 31),
            filing_number="B-2021",
        ),
    )
    services.campaign_move(actor=staff, campaign=campaign, name="file")
    services.campaign_move(actor=staff, campaign=campaign, name="open", on=START)
    return staff, charity, campaign


def write(name: str, result: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return path
