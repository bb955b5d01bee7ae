"""Every documented API operation, fuzzed: no input gives a server error (5xx), whether the
client is anonymous or a staff account. A short run with a fixed seed here; the long run is
marked slow (`make bench` runs it through bench/api_fuzz.py)."""

from __future__ import annotations

import json
import os

import pytest
from rest_framework.authtoken.models import Token

from . import fuzz

SEED = 20260404
SHORT_EXAMPLES = 4
LONG_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "60"))


@pytest.fixture
def fuzz_target(transactional_db, settings):
    # Real transactions, as in production (autocommit): a refused statement inside a
    # request must not abort a test-wide transaction on PostgreSQL.
    from django.core.cache import cache

    from config.wsgi import application

    settings.DEBUG = False
    cache.clear()
    data = fuzz.make_data()
    token = Token.objects.create(user=data["admin"])
    return {
        "app": application,
        "anonymous": {},
        "staff": {"Authorization": f"Token {token.key}"},
    }


def _run(fuzz_target, role: str, max_examples: int) -> fuzz.FuzzResult:
    return fuzz.run(
        schema=fuzz.load_schema(),
        app=fuzz_target["app"],
        headers=fuzz_target[role],
        max_examples=max_examples,
        seed_value=SEED,
    )


@pytest.mark.parametrize("role", ["anonymous", "staff"])
def test_fuzz_finds_no_server_error(fuzz_target, role):
    result = _run(fuzz_target, role, SHORT_EXAMPLES)

    assert result.operations >= 30
    assert result.failures == [], result.report()


@pytest.mark.slow
@pytest.mark.parametrize("role", ["anonymous", "staff"])
def test_fuzz_long_run_finds_no_server_error(fuzz_target, role):
    result = _run(fuzz_target, role, LONG_EXAMPLES)

    out = os.environ.get("FUZZ_RESULT_FILE")
    if out:  # bench/api_fuzz.py collects the figures of both roles
        with open(out, "a", encoding="utf-8") as f:
            f.write(
                json.dumps(
                    {
                        "role": role,
                        "operations": result.operations,
                        "examples": result.examples,
                        "seconds": result.seconds,
                        "statuses": result.statuses,
                        "server_errors": len(result.failures),
                        "failures": [f.operation for f in result.failures],
                    }
                )
                + "\n"
            )
    assert result.failures == [], result.report()
