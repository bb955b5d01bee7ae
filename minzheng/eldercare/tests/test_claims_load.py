"""The monthly claim run under load: a short run here (20 institutions, 2,000 elders); the
full size (500 institutions, 50,000 elders, under 60 s) is marked slow and is what
bench/eldercare_claims.py measures for docs/performance.md."""

import pytest

from . import claims_load


def _assert_explained(result, *, institutions, elders):
    assert result["lines"] == elders + result["doubles"] - result["deaths_before"]
    assert result["explained"] == result["lines"] == result["with_rate"] + result["zero_lines"]
    assert (
        result["lines_total"]
        == result["claims_total"]
        == result["granted_total"]
        == result["run_total"]
    )
    assert result["applications"] == institutions


def _load(institutions, elders):
    world = claims_load.seed(institutions=institutions, elders=elders)
    measured = claims_load.run(world["officer"])
    checked = claims_load.check(measured["run"])
    checked |= {"doubles": world["doubles"], "deaths_before": 0, "zero_lines": 0}
    return world, measured, checked


@pytest.mark.django_db
def test_short_claim_run_explains_every_line():
    world, measured, checked = _load(20, 2000)
    _assert_explained(checked, institutions=20, elders=2000)
    assert checked["flagged"] > 0 and checked["held"] == 2 * world["doubles"]
    print(f"short claim run: {measured['seconds']} s for 2,000 elders")
    assert measured["seconds"] < 30
    paid = claims_load.pay(world["officer"], measured["run"])
    assert (paid["succeeded"], paid["failed"]) == (20, 0)


@pytest.mark.slow
@pytest.mark.django_db
def test_full_claim_run_under_60_seconds():
    world, measured, checked = _load(500, 50_000)
    _assert_explained(checked, institutions=500, elders=50_000)
    assert measured["seconds"] < 60
