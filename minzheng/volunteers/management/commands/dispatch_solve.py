"""python manage.py dispatch_solve --input instance.json --output plan.json

Solves a dispatch instance without the database (format in minzheng/volunteers/README.md).
Bad input (unknown ids, end <= start, a time without time zone …) → every problem listed
on stderr, exit status 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minzheng.volunteers import solver


class Command(BaseCommand):
    help = "Solve a volunteer dispatch instance (JSON) with CP-SAT and write the plan (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True)
        parser.add_argument("--output", required=True)
        parser.add_argument("--time-limit", type=float, default=20.0)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--candidates",
            type=int,
            default=None,
            help="k nearest eligible volunteers per post (default: all)",
        )
        parser.add_argument(
            "--greedy", action="store_true", help="the greedy baseline instead of CP-SAT"
        )

    def handle(self, *args, **options):
        try:
            data = json.loads(Path(options["input"]).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"cannot read {options['input']}: {exc}", returncode=2) from exc
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{options['input']} is not valid JSON: {exc}", returncode=2
            ) from exc
        try:
            instance = solver.parse_instance(data)
        except solver.InstanceError as exc:
            lines = "\n".join(f"  {path}: {message}" for path, message in exc.errors.items())
            raise CommandError(
                f"invalid instance, nothing written:\n{lines}", returncode=2
            ) from exc
        if options["greedy"]:
            plan = solver.greedy(instance)
        else:
            plan = solver.solve(
                instance,
                time_limit=options["time_limit"],
                workers=options["workers"],
                candidates_per_post=options["candidates"],
            )
        Path(options["output"]).write_text(
            json.dumps(plan.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        o = plan.objective
        self.stdout.write(
            f"{plan.status}: {o['filled']}/{o['needed']} places filled, travel {o['travel_km']} km, "
            f"{len(plan.unfilled)} posts short → {options['output']}"
        )
