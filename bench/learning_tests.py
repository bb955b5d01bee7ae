"""Monthly test (每月一测) opening: N party members start the test in the same minute and save
their answers as they give them; gunicorn + PostgreSQL + an asyncio load generator.

    .venv/bin/python bench/learning_tests.py            # 500 members, 20 questions (about 8 minutes)
    .venv/bin/python bench/learning_tests.py --quick    # 40 members, 4 questions, a smoke test

Everything runs on this machine over loopback (127.0.0.1) and stops by itself: each phase
is bounded in requests and in seconds. The database `minzheng_learning_bench` is dropped
and created again each run (never point this at data you want to keep).

Phases
1. test: each member's start is drawn uniformly within one minute (open loop: a member
   starts on time whatever the server's state); the member POSTs the start, then answers
   every question of the paper with a think time drawn from 3–9 s (the real pace is one
   answer in 30–45 s, so this is about five times the real load), each answer a PUT, then
   submits. Latency per request type: p50/p95/p99/max, the status mix. Afterwards the rows
   are counted: one sitting per member, every answer answered 200 saved.
2. floor (the baseline, side by side in the same run): the same members on the same
   schedule send GET /api/v1/auth/me/ (token check and a serializer, the platform's cheapest
   authenticated request) in place of each answer.

Target: answer PUT p95 < 200 ms. Result: bench/results/learning_tests.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results"
DB_NAME = "minzheng_learning_bench"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
HOST, PORT = "127.0.0.1", 8766
TARGET_P95_MS = 200
HARD_LIMIT_S = 420

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "learning_settings",
            "PYTHONPATH": f"{BENCH}{os.pathsep}{ROOT}",
            "DATABASE_URL": DB_URL,
            "CONN_MAX_AGE": "600",
            "MINZHENG_VAR_DIR": str(CACHE / "var"),
            "TASK_RUNNER": "eager",
            "DEBUG": "false",
            "LOG_LEVEL": "ERROR",
        }
    )
    return env


def _fresh_database() -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def _setup(members: int, questions: int) -> dict:
    env = _env()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    out = subprocess.run(
        [sys.executable, str(BENCH / "learning_setup.py"), str(members), str(questions)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _start_server(workers: int, threads: int) -> subprocess.Popen:
    import urllib.request

    log = open(CACHE / "learning_gunicorn.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "-k",
            "gthread",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"{HOST}:{PORT}",
            "--backlog",
            "2048",
            "--keep-alive",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{PORT}/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(
        "gunicorn did not answer /healthz within 60 s; see bench/.cache/learning_gunicorn.log"
    )


class Connection:
    """One member's keep-alive HTTP/1.1 connection (asyncio streams)."""

    def __init__(self, token: str):
        self.token = token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{PORT}\r\n"
            f"Authorization: Token {self.token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        )
        for attempt in range(2):
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(HOST, PORT)
                self.writer.write(head.encode() + data)
                await self.writer.drain()
                line = await self.reader.readline()
                if not line:
                    raise ConnectionResetError("closed")
                status, length, close = int(line.split()[1]), 0, False
                while True:
                    line = await self.reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() == "connection" and value.strip().lower() == "close":
                        close = True
                payload = await self.reader.readexactly(length) if length else b""
                if close:
                    self.close()
                return status, payload
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                self.close()
                if attempt == 1:
                    return 599, b""
        return 599, b""


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


def _summary(latencies: list[float], statuses: Counter) -> dict:
    return {
        "requests": len(latencies),
        "p50_ms": _pct(latencies, 0.50),
        "p95_ms": _pct(latencies, 0.95),
        "p99_ms": _pct(latencies, 0.99),
        "max_ms": round(max(latencies), 1) if latencies else 0.0,
        "statuses": dict(sorted((str(k), v) for k, v in statuses.items())),
    }


def _answer_for(q: dict, rng: random.Random):
    keys = [o["key"] for o in q["options"]]
    if q["kind"] == "multiple":
        return sorted(rng.sample(keys, rng.randint(1, len(keys))))
    if q["kind"] in ("single", "judge"):
        return rng.choice(keys)
    return rng.choice(["北京", "遵义", "西柏坡", "厦门", "力行"])


async def _phase(
    data: dict,
    *,
    floor: bool,
    window_s: float,
    think: tuple[float, float],
    seed: int,
    per_member: int,
) -> dict:
    rng = random.Random(seed)
    tokens = data["tokens"]
    starts = sorted(rng.uniform(0, window_s) for _ in tokens)
    lat: dict[str, list[float]] = {"start": [], "answer": [], "submit": [], "me": []}
    statuses: dict[str, Counter] = {k: Counter() for k in lat}
    saved = Counter()
    t0 = time.perf_counter()

    async def timed(conn, kind, method, path, body=None):
        began = time.perf_counter()
        status, payload = await conn.request(method, path, body)
        lat[kind].append((time.perf_counter() - began) * 1000)
        statuses[kind][status] += 1
        return status, payload

    async def member(i: int, token: str):
        mrng = random.Random(seed * 1000 + i)
        conn = Connection(token)
        await asyncio.sleep(max(0.0, starts[i] - (time.perf_counter() - t0)))
        try:
            if floor:
                for _ in range(per_member):
                    await asyncio.sleep(mrng.uniform(*think))
                    await timed(conn, "me", "GET", "/api/v1/auth/me/")
                return
            status, payload = await timed(
                conn, "start", "POST", f"/api/v1/learning/tests/{data['test']}/sittings/"
            )
            if status not in (200, 201):
                return
            sitting = json.loads(payload)
            for q in sitting["questions"]:
                await asyncio.sleep(mrng.uniform(*think))
                status, _p = await timed(
                    conn,
                    "answer",
                    "PUT",
                    f"/api/v1/learning/sittings/{sitting['id']}/answers/{q['question_id']}/",
                    {"answer": _answer_for(q, mrng)},
                )
                if status == 200:
                    saved["answers"] += 1
            await timed(
                conn, "submit", "POST", f"/api/v1/learning/sittings/{sitting['id']}/submit/"
            )
        finally:
            conn.close()

    tasks = [asyncio.create_task(member(i, t)) for i, t in enumerate(tokens)]
    done, pending = await asyncio.wait(tasks, timeout=HARD_LIMIT_S)
    for t in pending:
        t.cancel()
    wall = time.perf_counter() - t0
    kinds = ["me"] if floor else ["start", "answer", "submit"]
    return {
        "wall_s": round(wall, 1),
        "unfinished_members": len(pending),
        "answers_saved": saved["answers"],
        **{k: _summary(lat[k], statuses[k]) for k in kinds},
        "peak_rate_per_s": round(max(len(lat[k]) for k in kinds) / max(wall - window_s / 2, 1), 1),
    }


def _count_rows() -> dict:
    import psycopg

    with psycopg.connect(DB_URL) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "sittings": one("SELECT count(*) FROM learning_sitting"),
            "members_with_two_sittings": one(
                "SELECT count(*) FROM (SELECT member_id FROM learning_sitting GROUP BY test_id, member_id HAVING count(*) > 1) t"
            ),
            "submitted": one("SELECT count(*) FROM learning_sitting WHERE state <> 'open'"),
            "answered_questions": one(
                "SELECT count(*) FROM learning_sittingquestion WHERE given <> ''"
            ),
        }


def _machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "",
    )
    pg = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "show server_version"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "postgresql": pg,
        "loadavg_1_5_15": list(os.getloadavg()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="40 members, 4 questions, short think times"
    )
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    members, questions = (40, 5) if args.quick else (args.members, args.questions)
    window, think = (10.0, (0.3, 1.0)) if args.quick else (60.0, (3.0, 9.0))
    CACHE.mkdir(exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    print(f"fresh database {DB_NAME}, migrate, {members} members …", flush=True)
    _fresh_database()
    data = _setup(members, questions)
    load_before = list(os.getloadavg())
    server = _start_server(args.workers, args.threads)
    try:
        print(f"test: {members} members start within {window:g} s and answer …", flush=True)
        test = asyncio.run(
            _phase(data, floor=False, window_s=window, think=think, seed=1, per_member=0)
        )
        print(json.dumps(test, ensure_ascii=False), flush=True)
        rows = _count_rows()
        print("rows:", rows, flush=True)
        print("floor: GET /api/v1/auth/me/ on the same schedule …", flush=True)
        floor = asyncio.run(
            _phase(data, floor=True, window_s=window, think=think, seed=1, per_member=questions)
        )
        print(json.dumps(floor, ensure_ascii=False), flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    ok = (
        test["answer"]["p95_ms"] < TARGET_P95_MS
        and rows["sittings"] == members
        and rows["members_with_two_sittings"] == 0
        and rows["answered_questions"] == test["answers_saved"]
    )
    result = {
        "benchmark": "learning_tests",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine() | {"loadavg_at_start": load_before},
        "quick": args.quick,
        "server": {
            "gunicorn": f"gthread -w {args.workers} --threads {args.threads}",
            "database": "PostgreSQL (same machine)",
        },
        "scenario": {
            "members": members,
            "questions": questions,
            "start_window_s": window,
            "think_s": list(think),
        },
        "test": test,
        "rows": rows,
        "floor": floor,
        "target": {"answer_p95_ms_below": TARGET_P95_MS},
        "met": ok,
    }
    name = "learning_tests-quick.json" if args.quick else "learning_tests.json"
    (RESULTS / name).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(("target met" if ok else "target NOT met"), "→", RESULTS / name, flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
