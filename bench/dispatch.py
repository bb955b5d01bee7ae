"""Benchmark the dispatch optimiser: 5,000 volunteers, 1,000 posts over a weekend.

    .venv/bin/python bench/dispatch.py                    # the full run (seeded)
    .venv/bin/python bench/dispatch.py --volunteers 1000 --posts 200   # quick run

The instance comes from bench/volunteers_instance.py (seeded: 7 towns, 4 roles, party-only
and certificate posts, availability windows, prior hours, preferences). In the same run:
the greedy baseline (posts in time order, nearest free eligible volunteers first) and
CP-SAT (20 s limit, 2 workers, k nearest eligible volunteers per post). Both plans are
checked against every rule (solver.check_plan). No database, no network.

Target (docs/performance/volunteers.md): a plan proven optimal, or within 1 % of the best
bound, in under 20 s. Result: bench/results/dispatch.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench.volunteers_instance import generate  # noqa: E402
from minzheng.volunteers import solver  # noqa: E402


def _machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(
            next(
                x
                for x in Path("/proc/meminfo").read_text().splitlines()
                if x.startswith("MemTotal")
            ).split()[1]
        )
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    return {
        "load_average_1m": round(os.getloadavg()[0], 2),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
    }


def _summary(plan: solver.Plan, instance: solver.Instance) -> dict:
    o = plan.objective
    return {
        "status": plan.status,
        "seconds": round(plan.wall_seconds, 2),
        "filled": o["filled"],
        "needed": o["needed"],
        "fill_rate": round(o["filled"] / o["needed"], 4) if o["needed"] else 1.0,
        "travel_km": o["travel_km"],
        "mean_travel_km": round(o["travel_km"] / o["filled"], 2) if o["filled"] else None,
        "preferences_honoured": o["preferences_honoured"],
        "fairness_penalty": o["fairness_penalty"],
        "max_minutes_per_volunteer": o["max_minutes"],
        "secondary_objective": o["secondary"],
        "best_bound": plan.bound,
        "gap": plan.gap,
        "violations": len(solver.check_plan(instance, plan.assignments)),
        "unfilled_posts": len(plan.unfilled),
        "stats": plan.stats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--volunteers", type=int, default=5000)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20210605)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--candidates", type=int, default=30, help="k nearest eligible volunteers per post"
    )
    parser.add_argument("--output", default=str(BENCH / "results" / "dispatch.json"))
    args = parser.parse_args()

    t = time.perf_counter()
    instance = generate(volunteers=args.volunteers, posts=args.posts, seed=args.seed)
    generated = time.perf_counter() - t
    base = solver.greedy(instance)
    plan = solver.solve(
        instance,
        time_limit=args.time_limit,
        workers=args.workers,
        candidates_per_post=args.candidates,
        seed=0,
    )
    cp, gr = _summary(plan, instance), _summary(base, instance)
    # The same instance with travel and preferences only (no fairness term): how much of
    # CP-SAT's extra travel above is the price of spreading the work.
    travel_only = solver.Instance(
        volunteers=instance.volunteers,
        posts=instance.posts,
        preferences=instance.preferences,
        tz_offset_minutes=instance.tz_offset_minutes,
        fair_tiers=(),
    )
    cp_travel = _summary(
        solver.solve(
            travel_only,
            time_limit=args.time_limit,
            workers=args.workers,
            candidates_per_post=args.candidates,
            seed=0,
        ),
        travel_only,
    )
    target_met = (
        cp["seconds"] < args.time_limit + 1
        and cp["violations"] == 0
        and (cp["status"] == "OPTIMAL" or (cp["gap"] is not None and cp["gap"] <= 0.01))
    )
    result = {
        "benchmark": "dispatch",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "instance": {
            "volunteers": args.volunteers,
            "posts": args.posts,
            "seed": args.seed,
            "places_needed": cp["needed"],
            "preferences": len(instance.preferences),
            "generated_seconds": round(generated, 2),
        },
        "settings": {
            "time_limit_s": args.time_limit,
            "workers": args.workers,
            "candidates_per_post": args.candidates,
        },
        "cp_sat": cp,
        "greedy": gr,
        "cp_sat_travel_only": cp_travel,
        "target": "proven optimal or gap <= 1 % in < 20 s",
        "target_met": target_met,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(
        f"CP-SAT  {cp['status']:8} {cp['seconds']:6.2f}s fill {cp['filled']}/{cp['needed']} ({cp['fill_rate']:.2%}) "
        f"travel {cp['travel_km']:.1f} km objective {cp['secondary_objective']} bound {cp['best_bound']} gap {cp['gap']}"
    )
    print(
        f"greedy  {gr['status']:8} {gr['seconds']:6.2f}s fill {gr['filled']}/{gr['needed']} ({gr['fill_rate']:.2%}) "
        f"travel {gr['travel_km']:.1f} km objective {gr['secondary_objective']}"
    )
    ct = cp_travel
    print(
        f"CP-SAT travel-only objective: {ct['status']} {ct['seconds']:.2f}s fill {ct['filled']} travel {ct['travel_km']:.1f} km gap {ct['gap']}"
    )
    print(f"target met: {target_met} → {args.output}")


if __name__ == "__main__":
    main()
