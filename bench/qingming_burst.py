"""Booking-open burst on the Qingming API: gunicorn + PostgreSQL + an asyncio load generator,
then the raw database limit of the same transaction with pgbench, then a fixed-rate run.

    .venv/bin/python bench/qingming_burst.py                 # full run (about 5 minutes)
    .venv/bin/python bench/qingming_burst.py --quick         # smaller, for a smoke test

Everything runs on this machine over loopback (127.0.0.1) and stops by itself: every phase
is bounded in requests and seconds. The database `minzheng_qingming_bench` is dropped and
created again each run (never point this at data you want to keep).

Phases
1. burst: 200 concurrent keep-alive clients, 500 slots of 5 places (2,500 places), demand 5x
   (12,500 booking requests, at most 90 s; 1 % malformed, 5 % reusing the previous request's ID number),
   each with an Idempotency-Key (a request cut by a dropped connection is sent again with
   the same key, as a real client would). Reports bookings/s, request latency p50/p95/p99,
   the status mix, and afterwards counts rows: oversold places must be 0.
2. raw: pgbench -n -c 16 -j 2 -T 20 with a script that runs the same SQL transaction (quota
   rows insert-or-ignore, two conditional quota UPDATEs, the conditional slot UPDATE and the
   reservation INSERT) on slots with room, so every transaction books.
3. rate: an open-loop run at 300 requests/s for 30 s on slots with room; latency counted from
   each request's scheduled start (no coordinated omission); requests still unfinished 15 s
   after the last one was due are cancelled and reported as unfinished.

The booking rate limiter is off for the bench server (bench/qingming_settings.py): all
clients share one address. Result: bench/results/qingming_burst.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results"
DB_NAME = "minzheng_qingming_bench"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
HOST, PORT = "127.0.0.1", 8765
API = "/api/v1/qingming/reservations/"
TARGETS = {"bookings_per_s": 500, "p99_ms_at_300_rps": 300}

sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------- environment


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "qingming_settings",
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


def _machine() -> dict[str, object]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        (
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        ),
        None,
    )
    pg = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "show server_version"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Other work on the machine changes every figure here: the load average is recorded.
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_mb": mem,
        "python": platform.python_version(),
        "postgresql": pg,
        "loadavg_1_5_15": list(os.getloadavg()),
    }


def _fresh_database() -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def _setup(users: int, burst_capacity: int) -> dict:
    env = _env()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    out = subprocess.run(
        [sys.executable, str(BENCH / "qingming_setup.py"), str(users), str(burst_capacity)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _start_server(workers: int, threads: int) -> subprocess.Popen:
    log = open(CACHE / "qingming_gunicorn.log", "w")  # noqa: SIM115 - closed with the process
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
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    import urllib.request

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
        "gunicorn did not answer /healthz within 60 s; see bench/.cache/qingming_gunicorn.log"
    )


# ---------------------------------------------------------------- HTTP client (asyncio streams, keep-alive)


class Connection:
    def __init__(self):
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self):
        self.reader, self.writer = await asyncio.open_connection(HOST, PORT)

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        return await self.request("POST", path, body, headers)

    async def request(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        """One request over the kept-alive connection; reconnects and resends once or twice
        when the server closed it (safe: every booking carries an Idempotency-Key)."""
        head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{PORT}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        for attempt in range(3):
            try:
                if self.writer is None:
                    await self._open()
                self.writer.write(head.encode() + body)
                await self.writer.drain()
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed")
                status = int(status_line.split()[1])
                length, close = 0, False
                while True:
                    line = await self.reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() == "connection" and value.strip().lower() == "close":
                        close = True
                data = await self.reader.readexactly(length) if length else b""
                if close:
                    self.close()
                return status, data
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                self.close()
                if attempt == 2:
                    return 599, b""
        return 599, b""


def _id_number(k: int) -> str:
    from minzheng.registry.validators import check_character

    birth = dt.date(1950, 1, 1) + dt.timedelta(days=k // 1000)
    first17 = f"440605{birth:%Y%m%d}{k % 1000:03d}"
    return first17 + check_character(first17)


def _request(
    k: int, slots: list[int], rng: random.Random, *, reuse: bool, bad: bool, slot: int | None = None
) -> bytes:
    body = {
        "slot": slot if slot is not None else rng.choice(slots),
        "name": "压测",
        "id_number": _id_number(k - 1 if reuse and k else k),
        "party_size": 0 if bad else 1,
    }
    if k % 4 == 0:
        body["plate"] = f"粤A{k % 100000:05d}"
    return json.dumps(body).encode()


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


def _reason(data: bytes) -> str:
    try:
        return json.loads(data).get("reason", "")
    except Exception:  # noqa: BLE001
        return ""


async def _burst(
    tokens: list[str],
    slots: list[int],
    total: int,
    clients: int,
    limit_s: float,
    seed: int,
    id_base: int,
) -> dict:
    """Booking opens: `clients` people at once, `total` wanting a place. Like a person at
    the portal, a client books a slot that the public slot list shows with room; a
    409 slot_full answer is what the list would show next, so the slot leaves every
    client's choice (the generator keeps that list from the answers instead of sending
    GET /slots/ after each refusal). When the list shows every slot full, the remaining
    people are turned away by the list and send nothing more."""
    rng = random.Random(seed)
    open_slots = list(slots)
    statuses: Counter = Counter()
    reasons: Counter = Counter()
    latencies: list[float] = []
    booked_at: list[float] = []
    next_index = 0
    start = time.perf_counter()
    deadline = start + limit_s

    async def client(n: int):
        nonlocal next_index
        conn = Connection()
        headers = {"Authorization": f"Token {tokens[n % len(tokens)]}"}
        while time.perf_counter() < deadline and open_slots:
            k = next_index
            if k >= total:
                break
            next_index += 1
            slot = rng.choice(open_slots)
            body = _request(
                id_base + k, slots, rng, reuse=k % 20 == 19, bad=k % 100 == 50, slot=slot
            )
            t0 = time.perf_counter()
            status, data = await conn.post(
                API, body, headers | {"Idempotency-Key": f"b-{seed}-{k}"}
            )
            t1 = time.perf_counter()
            latencies.append((t1 - t0) * 1000)
            statuses[status] += 1
            if status == 201:
                booked_at.append(t1 - start)
            elif status == 409:
                reason = _reason(data)
                reasons[reason] += 1
                if reason == "slot_full" and slot in open_slots:
                    open_slots.remove(slot)
        conn.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.perf_counter() - start
    booked = statuses[201]
    fill_s = max(booked_at) if booked_at else elapsed
    sent = sum(statuses.values())
    return {
        "requests": sent,
        "turned_away_by_the_list": total - sent,
        "elapsed_s": round(elapsed, 2),
        "requests_per_s": round(sent / elapsed, 1),
        "booked": booked,
        "bookings_per_s_overall": round(booked / elapsed, 1),
        "fill_s": round(fill_s, 2),
        "bookings_per_s_while_places_left": round(booked / fill_s, 1) if fill_s else 0,
        "latency_ms": {
            "p50": _pct(latencies, 0.50),
            "p95": _pct(latencies, 0.95),
            "p99": _pct(latencies, 0.99),
            "mean": round(statistics.fmean(latencies), 1) if latencies else 0,
        },
        "status_mix": {str(k): v for k, v in sorted(statuses.items())},
        "conflict_reasons": dict(reasons),
    }


async def _floor(tokens: list[str], clients: int, seconds: float) -> dict:
    """The platform's floor: the cheapest authenticated API request (GET /api/v1/auth/me/:
    middleware, URL, DRF, token query, JSON) in a closed loop from the same clients. No
    booking can be served faster than this on the same machine."""
    statuses: Counter = Counter()
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()

    async def client(n: int):
        conn = Connection()
        headers = {"Authorization": f"Token {tokens[n % len(tokens)]}"}
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            status, _data = await conn.request("GET", "/api/v1/auth/me/", b"", headers)
            latencies.append((time.perf_counter() - t0) * 1000)
            statuses[status] += 1
        conn.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.perf_counter() - start
    return {
        "requests": sum(statuses.values()),
        "requests_per_s": round(sum(statuses.values()) / elapsed, 1),
        "latency_ms": {"p50": _pct(latencies, 0.50), "p99": _pct(latencies, 0.99)},
        "status_mix": {str(k): v for k, v in sorted(statuses.items())},
    }


def _cpu_snapshot() -> dict[str, float]:
    """CPU seconds used so far by each live process, by pid (from /proc)."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        out[pid] = (comm, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    return out


async def _with_cpu(coro, requests_key: str = "requests"):
    """Run a phase and add where the CPU went: cores used by the app server (gunicorn),
    the database (postgres) and the load generator (this process), and CPU ms per request."""
    before, t0 = _cpu_snapshot(), time.perf_counter()
    result = await coro
    after, elapsed = _cpu_snapshot(), time.perf_counter() - t0
    groups: Counter = Counter()
    for pid, (comm, used) in after.items():
        name = "gunicorn" if "gunicorn" in comm else "postgres" if "postgres" in comm else comm
        if pid == str(os.getpid()):
            name = "load generator"
        groups[name] += used - before.get(pid, (comm, 0.0))[1]
    n = max(1, result.get(requests_key) or 0)
    result["cpu"] = {
        name: {
            "cores": round(groups[name] / elapsed, 2),
            "ms_per_request": round(groups[name] / n * 1000, 2),
        }
        for name in ("gunicorn", "postgres", "load generator")
    } | {"machine_cores_busy": round(sum(groups.values()) / elapsed, 2)}
    return result


async def _fixed_rate(
    tokens: list[str],
    slots: list[int],
    rate: float,
    seconds: float,
    pool_size: int,
    seed: int,
    id_base: int,
    grace_s: float = 15.0,
) -> dict:
    """Open loop: request i is due at start + i/rate whatever happened before; its latency
    runs from that moment (waiting for a free connection counts)."""
    rng = random.Random(seed)
    total = int(rate * seconds)
    pool: asyncio.Queue = asyncio.Queue()
    connections = [Connection() for _ in range(pool_size)]
    for n, conn in enumerate(connections):
        pool.put_nowait((conn, tokens[n % len(tokens)]))
    latencies: list[float] = []
    statuses: Counter = Counter()
    start = time.perf_counter()

    async def one(k: int):
        due = start + k / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        conn, token = await pool.get()
        try:
            body = _request(id_base + k, slots, rng, reuse=False, bad=False)
            status, _data = await conn.post(
                API, body, {"Authorization": f"Token {token}", "Idempotency-Key": f"r-{seed}-{k}"}
            )
        except asyncio.CancelledError:
            conn.close()  # mid-response: never reuse
            raise
        finally:
            pool.put_nowait((conn, token))
        latencies.append((time.perf_counter() - due) * 1000)
        statuses[status] += 1

    # Bounded: whatever has not finished `grace_s` after the last request was due is
    # cancelled and reported as unfinished (a saturated server cannot keep the rate).
    tasks = [asyncio.ensure_future(one(k)) for k in range(total)]
    _done, pending = await asyncio.wait(tasks, timeout=seconds + grace_s)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    elapsed = time.perf_counter() - start
    for conn in connections:
        conn.close()
    finished = sum(statuses.values())
    return {
        "target_rps": rate,
        "requests_due": total,
        "finished": finished,
        "unfinished": len(pending),
        "elapsed_s": round(elapsed, 2),
        "achieved_rps": round(finished / elapsed, 1),
        "latency_ms": {
            "p50": _pct(latencies, 0.50),
            "p95": _pct(latencies, 0.95),
            "p99": _pct(latencies, 0.99),
            "max": round(max(latencies), 1) if latencies else 0,
        },
        "status_mix": {str(k): v for k, v in sorted(statuses.items())},
    }


# ---------------------------------------------------------------- checks and pgbench


def _count_rows(slot_ids: list[int]) -> dict:
    import psycopg

    with psycopg.connect(DB_URL) as conn:
        row = conn.execute(
            """
            SELECT count(*) FILTER (WHERE coalesce(r.people, 0) > s.capacity),
                   coalesce(sum(greatest(coalesce(r.people, 0) - s.capacity, 0)), 0),
                   count(*) FILTER (WHERE coalesce(r.people, 0) <> s.booked),
                   coalesce(sum(r.people), 0), sum(s.capacity)
            FROM qingming_slot s
            LEFT JOIN (SELECT slot_id, sum(party_size) AS people FROM qingming_reservation
                       WHERE status <> 'cancelled' GROUP BY slot_id) r ON r.slot_id = s.id
            WHERE s.id = ANY(%s)
            """,
            [slot_ids],
        ).fetchone()
        over_id = conn.execute(
            "SELECT count(*) FROM (SELECT id_number_hash, visit_date FROM qingming_reservation WHERE status <> 'cancelled' "
            "GROUP BY 1, 2 HAVING count(*) > 1) x"
        ).fetchone()[0]
    return {
        "oversold_slots": row[0],
        "oversold_places": int(row[1]),
        "slots_counter_differs": row[2],
        "people_booked": int(row[3]),
        "capacity": int(row[4]),
        "ids_over_daily_limit": over_id,
    }


PGBENCH_SCRIPT = """\\set n random(0, 499)
\\set k random(1, 2000000000)
BEGIN;
INSERT INTO qingming_idquota (id_number_hash, season_id, day_key, count, no_shows) VALUES ('pgb' || :k, :season, '', 0, 0), ('pgb' || :k, :season, :day, 0, 0) ON CONFLICT DO NOTHING;
UPDATE qingming_idquota SET count = count + 1 WHERE id_number_hash = 'pgb' || :k AND season_id = :season AND day_key = '' AND count < 3 AND no_shows < 2;
UPDATE qingming_idquota SET count = count + 1 WHERE id_number_hash = 'pgb' || :k AND season_id = :season AND day_key = :day AND count < 1;
WITH s AS (UPDATE qingming_slot SET booked = booked + 1, cars_booked = cars_booked + 0 WHERE id = :first + :n AND is_open AND booked <= capacity - 1 AND cars_booked <= car_capacity - 0 RETURNING id, season_id, cemetery_id, date) INSERT INTO qingming_reservation (code, short_code, season_id, cemetery_id, slot_id, visit_date, name, id_number, id_number_hash, id_number_masked, phone, phone_hash, phone_masked, party_size, plate, status, channel, booked_by_id, idempotency_key, created_at) SELECT upper(substr(md5(random()::text), 1, 16)), lpad((random() * 99999999)::int::text, 8, '0'), season_id, cemetery_id, id, date, 'pgbench', 'v1:dev1:' || md5(random()::text) || md5(random()::text), 'pgb' || :k, '440605********1234', 'v1:dev1:' || md5(random()::text) || md5(random()::text), md5(random()::text), '137****0000', 1, '', 'booked', 'online', :user, md5(random()::text), now() FROM s ON CONFLICT DO NOTHING;
COMMIT;
"""


def _pgbench(raw_slots: list[int], season: int, user_id: int, day: str, seconds: int) -> dict:
    if max(raw_slots) - min(raw_slots) != len(raw_slots) - 1:
        raise SystemExit("raw slots are not contiguous ids; pgbench script needs :first + :n")
    script = CACHE / "qingming_pgbench.sql"
    script.write_text(PGBENCH_SCRIPT)
    cmd = [
        "pgbench",
        "-n",
        "-c",
        "16",
        "-j",
        "2",
        "-T",
        str(seconds),
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-D",
        f"season={season}",
        "-D",
        f"first={min(raw_slots)}",
        "-D",
        f"user={user_id}",
        "-D",
        f"day='{day}'",
        "-f",
        str(script),
        DB_NAME,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    text = out.stdout + out.stderr
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", text)
    lat = re.search(r"latency average = ([\d.]+) ms", text)
    failed = re.search(r"number of failed transactions: (\d+)", text)
    if not tps:
        raise SystemExit("pgbench failed:\n" + text[-2000:])
    return {
        "command": " ".join(cmd).replace(str(script), "bench/.cache/qingming_pgbench.sql"),
        "tps": float(tps.group(1)),
        "latency_avg_ms": float(lat.group(1)) if lat else None,
        "failed": int(failed.group(1)) if failed else 0,
    }


def _user_id() -> int:
    import psycopg

    with psycopg.connect(DB_URL) as conn:
        return conn.execute(
            "SELECT min(id) FROM core_user WHERE username LIKE 'bench-%'"
        ).fetchone()[0]


def _slot_day(slot_id: int) -> str:
    import psycopg

    with psycopg.connect(DB_URL) as conn:
        return conn.execute(
            "SELECT date::text FROM qingming_slot WHERE id = %s", [slot_id]
        ).fetchone()[0]


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller run (smoke test)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument(
        "--rates",
        default="300,150",
        help="open-loop rates (requests/s) to hold for the fixed-rate phase; 300 is the target's",
    )
    args = parser.parse_args(argv)
    CACHE.mkdir(exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    capacity_per_slot = 1 if args.quick else 5
    users = args.clients
    print(f"fresh database {DB_NAME}, migrate, setup …", flush=True)
    _fresh_database()
    data = _setup(users, capacity_per_slot)
    load_before = list(os.getloadavg())
    places = 500 * capacity_per_slot
    demand = 5 * places
    server = _start_server(args.workers, args.threads)
    try:
        print(
            f"burst: {args.clients} clients, 500 slots, {places} places, {demand} requests …",
            flush=True,
        )
        burst = asyncio.run(
            _with_cpu(_burst(data["tokens"], data["burst"], demand, args.clients, 90.0, 1, 0))
        )
        print(json.dumps(burst, ensure_ascii=False), flush=True)
        rows = _count_rows(data["burst"])
        print("rows after burst:", rows, flush=True)
        seconds = 8 if args.quick else 30
        print(f"floor: GET /api/v1/auth/me/ for {seconds // 2} s …", flush=True)
        floor = asyncio.run(_with_cpu(_floor(data["tokens"], args.clients, seconds // 2)))
        print(json.dumps(floor, ensure_ascii=False), flush=True)
        rates = []
        for n, target in enumerate(float(r) for r in args.rates.split(",")):
            print(f"fixed rate: {target:g} requests/s for {seconds} s …", flush=True)
            rate = asyncio.run(
                _with_cpu(
                    _fixed_rate(
                        data["tokens"],
                        data["rate"],
                        target,
                        seconds,
                        args.clients,
                        2 + n,
                        1_000_000 * (n + 1),
                    ),
                    requests_key="finished",
                )
            )
            print(json.dumps(rate, ensure_ascii=False), flush=True)
            rates.append(rate)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    print("pgbench: the same transaction, raw …", flush=True)
    raw = _pgbench(
        data["raw"], data["season"], _user_id(), _slot_day(data["raw"][0]), 8 if args.quick else 20
    )
    print(json.dumps(raw), flush=True)
    app_rate = burst["bookings_per_s_while_places_left"]
    result = {
        "benchmark": "qingming_burst",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine() | {"loadavg_at_start": load_before},
        "quick": args.quick,
        "server": {
            "gunicorn": f"gthread -w {args.workers} --threads {args.threads}",
            "database": "PostgreSQL (same machine)",
        },
        "scenario": {
            "clients": args.clients,
            "slots": 500,
            "places": places,
            "requests": demand,
            "malformed_share": 0.01,
            "id_reuse_share": 0.05,
        },
        "requests_planned": demand,
        "burst": burst,
        "rows_after_burst": rows,
        "floor": floor,
        "fixed_rate": rates,
        "pgbench": raw,
        "app_to_raw_ratio": round(app_rate / raw["tps"], 3) if raw["tps"] else None,
        "floor_to_raw_ratio": round(floor["requests_per_s"] / raw["tps"], 3)
        if raw["tps"]
        else None,
        "targets": TARGETS,
    }
    out = RESULTS / ("qingming_burst-quick.json" if args.quick else "qingming_burst.json")
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(
        f"app {app_rate} bookings/s vs raw {raw['tps']} tps: ratio {result['app_to_raw_ratio']}; written {out}"
    )
    ok = (
        rows["oversold_places"] == 0
        and rows["slots_counter_differs"] == 0
        and rows["ids_over_daily_limit"] == 0
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
