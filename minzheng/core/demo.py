"""Demo data steps. `manage.py demo` runs core's accounts step, then each app's step.

Apps register a step in AppConfig.ready(); steps must be idempotent (a second run adds
nothing) and deterministic (seeded), so every machine gets the same demo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoStep:
    name: str
    run: Callable[..., str]  # run(stdout=..., password=...) -> one-line summary
    order: int = 100


STEPS: list[DemoStep] = []


def add_demo_step(step: DemoStep) -> None:
    if all(s.name != step.name for s in STEPS):
        STEPS.append(step)
        STEPS.sort(key=lambda s: s.order)
