"""Benchmark the bank-statement import: 100,000 donations in under 60 s.

    .venv/bin/python bench/charity_import.py                        # 100,000 rows, SQLite
    .venv/bin/python bench/charity_import.py --database postgresql  # the same on PostgreSQL
    .venv/bin/python bench/charity_import.py --rows 5000            # quick

Times `charity.imports.statement_import` — the app's own path: parse the CSV, validate every
row, then in one transaction bulk-insert the donations, post one ledger entry and number one
receipt per donation. Baseline, measured in the same run on a second copy of the rows: a plain
`Donation.objects.bulk_create` of the same rows (no parsing, validation, ledger or receipts).
Result: bench/results/charity_import-<database>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import charity_common as common  # noqa: E402

TARGET_S = 60


def child(args) -> dict:
    import resource

    staff, charity, campaign = common.setup_world()
    from django.db import connection

    from minzheng.charity import imports
    from minzheng.charity.models import Donation, Receipt
    from minzheng.ledger.selectors import trial_balance_problems

    content = common.statement_csv(args.rows)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    result = imports.statement_import(
        actor=staff,
        charity=charity,
        filename="bench.csv",
        content=content,
        campaign_id=campaign.pk,
    )
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    assert result.count == args.rows and Receipt.objects.count() == args.rows
    receipts_gapless = list(Receipt.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, args.rows + 1)
    )
    problems = trial_balance_problems()

    # Baseline: the same rows as bare bulk_create (no checks, no ledger, no receipts).
    rows = [
        Donation(
            charity=charity,
            division_id=charity.division_id,
            campaign=campaign,
            method="bank_transfer",
            amount=d.amount,
            received_on=d.received_on,
            donor_kind=d.donor_kind,
            donor_name=d.donor_name,
            anonymous=d.anonymous,
            reference="X" + d.reference,
            recorded_by=staff,
        )
        for d in Donation.objects.all().iterator(chunk_size=5000)
    ]
    t1 = time.perf_counter()
    Donation.objects.bulk_create(rows, batch_size=2000)
    baseline = time.perf_counter() - t1
    return {
        "rows": args.rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(args.rows / seconds),
        "cpu_seconds": round(cpu, 2),
        "baseline_bulk_create_seconds": round(baseline, 2),
        "receipts": result.receipts,
        "receipts_without_gaps": receipts_gapless,
        "ledger_problems": problems,
        "total": str(result.total),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "database": connection.vendor,
        "target_seconds": TARGET_S,
        "target_met": seconds < TARGET_S,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        import json

        print("RESULT " + json.dumps(child(args)), flush=True)
        return 0
    url = common.database_url(args.database, "charity_import")
    common.fresh_database(url)
    started = dt.datetime.now(dt.UTC)
    measured = common.run_child(__file__, url, ["--rows", str(args.rows)])
    result = {
        "benchmark": "charity_import",
        "date": started.isoformat(timespec="seconds"),
        "machine": common.machine(),
        **measured,
    }
    path = common.write(f"charity_import-{args.database}", result)
    print(
        f"{args.database}: {measured['rows']:,} donations in {measured['seconds']} s "
        f"({measured['rows_per_s']:,}/s; baseline bulk_create {measured['baseline_bulk_create_seconds']} s) "
        f"→ {path}"
    )
    return 0 if measured["target_met"] or args.rows != 100_000 else 1


if __name__ == "__main__":
    raise SystemExit(main())
