"""Benchmark the person list API over the database that bench/import_persons.py filled.

    .venv/bin/python bench/person_api.py                                   # SQLite (bench/.cache)
    .venv/bin/python bench/person_api.py --database-url postgres://postgres@127.0.0.1:5432/minzheng_bench

Requests go through Django's full stack in-process (middleware, auth, scope, serializer,
database), not over a socket, so the figure is the server's own time per request. Each
scenario runs a bounded number of requests (default 200) after 10 warm-up requests.

In the same run, the same filters are served by a baseline: page-number pagination with
a total count (what a plain DRF list does). The ratio shows what cursor pagination buys.
Query counts are recorded for page sizes 10, 50 and 200: they must be equal.

Target (docs/performance.md): p95 under 100 ms for a page of 50 with filters, over 1,000,000
persons; the same number of queries whatever the page size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from import_persons import CACHE, RESULTS, _environment, _machine  # noqa: E402

TARGET_P95_MS = 100


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=f"sqlite:///{CACHE / 'bench.sqlite3'}")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)

    os.environ.update(_environment(args.database_url))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)  # bench the current schema (indexes included)
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.pagination import PageNumberPagination

    from minzheng.core import roles
    from minzheng.core.demo_accounts import ensure_account
    from minzheng.registry import api
    from minzheng.registry.models import Person

    total = Person.objects.count()
    if total == 0:
        raise SystemExit("no persons: run bench/import_persons.py against this database first")
    roles.sync_roles()
    password = "Bench-Password-2026"
    users = {
        "district": ensure_account(
            username="bench-officer",
            display_name="bench",
            division="440605000000",
            role=roles.DISTRICT_OFFICER,
            password=password,
        ),
        "town": ensure_account(
            username="bench-town",
            display_name="bench",
            division="440605011000",
            role=roles.TOWN_CASEWORKER,
            password=password,
        ),
        "community": ensure_account(
            username="bench-community",
            display_name="bench",
            division="440605011008",
            role=roles.COMMUNITY_WORKER,
            password=password,
        ),
    }
    sample = Person.objects.filter(is_void=False).exclude(phone="").order_by("pk")[total // 2]
    surname = sample.name[0]
    scenarios = [
        ("district, no filter", "district", {}),
        ("district, name prefix", "district", {"q": surname}),
        ("district, exact ID number", "district", {"q": sample.id_number}),
        ("district, exact phone", "district", {"q": sample.phone}),
        ("district, sex + age 60-70", "district", {"sex": "F", "age_min": 60, "age_max": 70}),
        ("town, no filter", "town", {}),
        ("town, 80+ and community", "town", {"tag": "elderly_80", "division": "440605011001"}),
        ("community, name prefix", "community", {"q": surname}),
    ]
    clients = {}
    for key, user in users.items():
        clients[key] = Client()
        clients[key].force_login(user)

    def run(client, params, n):
        times = []
        for _ in range(n):
            started = time.perf_counter()
            response = client.get("/api/v1/registry/persons/", params)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:300]
        return times

    class CountedPagination(PageNumberPagination):
        page_size = 50

    results = []
    for name, who, params in scenarios:
        client = clients[who]
        run(client, {**params, "page_size": 50}, 10)
        cursor_ms = run(client, {**params, "page_size": 50}, args.requests)
        # Baseline in the same run: page numbers with a total count.
        api.PersonListCreate.pagination_class = CountedPagination
        run(client, params, 5)
        baseline_ms = run(client, params, max(20, args.requests // 4))
        del api.PersonListCreate.pagination_class  # back to the project default (cursor)
        rows = len(
            client.get("/api/v1/registry/persons/", {**params, "page_size": 50}).json()["results"]
        )
        results.append(
            {
                "scenario": name,
                "user": who,
                "params": {k: str(v) for k, v in params.items()},
                "rows_on_page": rows,
                "p50_ms": round(_percentile(cursor_ms, 0.50), 2),
                "p95_ms": round(_percentile(cursor_ms, 0.95), 2),
                "p99_ms": round(_percentile(cursor_ms, 0.99), 2),
                "mean_ms": round(statistics.fmean(cursor_ms), 2),
                "baseline_count_p95_ms": round(_percentile(baseline_ms, 0.95), 2),
            }
        )
        print(
            f"{name:32s} rows={rows:3d} p50={results[-1]['p50_ms']:7.2f} p95={results[-1]['p95_ms']:7.2f} "
            f"p99={results[-1]['p99_ms']:7.2f} ms | page+count baseline p95={results[-1]['baseline_count_p95_ms']:8.2f} ms"
        )

    # Deep pages: follow the cursor 20 pages down.
    client = clients["district"]
    url, deep = "/api/v1/registry/persons/?page_size=50", []
    for _ in range(20):
        started = time.perf_counter()
        body = client.get(url).json()
        deep.append((time.perf_counter() - started) * 1000)
        url = body["next"]
    query_counts = {}
    for size in (10, 50, 200):
        with CaptureQueriesContext(connection) as ctx:
            client.get("/api/v1/registry/persons/", {"page_size": size, "q": surname})
        query_counts[size] = len(ctx.captured_queries)
    worst = max(r["p95_ms"] for r in results)
    summary = {
        "benchmark": "person_api",
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": _machine(),
        "database": connection.vendor,
        "persons": total,
        "requests_per_scenario": args.requests,
        "scenarios": results,
        "deep_page_p95_ms": round(_percentile(deep, 0.95), 2),
        "queries_by_page_size": query_counts,
        "worst_p95_ms": worst,
        "target_p95_ms": TARGET_P95_MS,
        "target_met": worst < TARGET_P95_MS and len(set(query_counts.values())) == 1,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"person_api-{connection.vendor}.json"
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    print(
        f"deep pages p95={summary['deep_page_p95_ms']} ms; queries by page size {query_counts}; worst p95 {worst} ms "
        f"(target < {TARGET_P95_MS}) -> {'MET' if summary['target_met'] else 'NOT MET'}; {out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
