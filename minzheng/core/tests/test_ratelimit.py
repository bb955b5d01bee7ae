"""core.ratelimit: the one counter behind every rate limit."""

import threading

import pytest
from django.core.cache import cache
from django.test import override_settings

from minzheng.core import ratelimit
from minzheng.core.ratelimit import Decision, RateLimit, parse_rate


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """A clock the test moves: starts 10 s into a minute-aligned window."""
    now = [1_800_000_000.0 - 1_800_000_000.0 % 3600 + 10]
    monkeypatch.setattr(ratelimit, "_now", lambda: now[0])
    cache.clear()
    yield now
    cache.clear()


def test_rates_are_parsed_in_every_spelling():
    assert parse_rate("5/60s") == (5, 60)
    assert parse_rate("20/1h") == (20, 3600)
    assert parse_rate("5/1d") == (5, 86400)
    assert parse_rate("60/min") == (60, 60)
    assert parse_rate((3, 60)) == (3, 60)
    assert parse_rate(None) is None
    with pytest.raises(ValueError):
        parse_rate("5 per minute")


def test_attempts_within_the_rate_are_allowed_and_the_next_is_refused_with_retry_after():
    limit = RateLimit("t.window", rate="3/60s")

    decisions = [limit.hit("a") for _ in range(4)]

    assert decisions == [
        Decision(True, 0, 1),
        Decision(True, 0, 2),
        Decision(True, 0, 3),
        Decision(False, 50, 4),
    ]


def test_a_new_window_starts_counting_again(clock):
    limit = RateLimit("t.window", rate="2/60s")
    limit.hit("a"), limit.hit("a")
    assert limit.hit("a").allowed is False

    clock[0] += 49.5
    assert limit.hit("a") == Decision(False, 1, 4)  # half a second left rounds up to 1
    clock[0] += 1

    assert limit.hit("a") == Decision(True, 0, 1)


def test_keys_and_limits_are_counted_separately():
    phone = RateLimit("t.phone", rate="1/60s")
    address = RateLimit("t.address", rate="1/60s")

    assert phone.hit("13812345678").allowed
    assert not phone.hit("13812345678").allowed
    assert phone.hit("13812345679").allowed
    assert address.hit("13812345678").allowed  # same key, another limit


def test_the_cache_holds_no_key_in_plaintext():
    RateLimit("t.pii", rate="1/60s").hit("440605199001011234")

    keys = list(cache._cache)  # the local-memory cache's own store
    assert keys and not any("440605199001011234" in k for k in keys)


def test_check_does_not_count_and_reset_forgets():
    limit = RateLimit("t.failures", rate="2/1d")
    assert limit.check(7) == Decision(True, 0, 1)
    limit.hit(7), limit.hit(7)

    assert limit.check(7).allowed is False
    assert limit.check(7).allowed is False  # still two counted
    limit.reset(7)
    assert limit.check(7).allowed is True


def test_no_rate_or_no_key_is_never_limited():
    assert RateLimit("t.off", rate=None).hit("a").allowed
    assert all(RateLimit("t.on", rate="0/60s").hit(k).allowed for k in (None, ""))
    assert not RateLimit("t.on", rate="0/60s").hit("a").allowed


@override_settings(RATE_LIMITS={"t.named": "1/60s"}, T_LEGACY=(1, 60))
def test_settings_override_the_rate_by_name_and_a_legacy_setting_overrides_the_default():
    named = RateLimit("t.named", rate="100/60s")
    legacy = RateLimit("t.legacy", rate="100/60s", setting="T_LEGACY")

    assert [named.hit("a").allowed for _ in range(2)] == [True, False]
    assert [legacy.hit("a").allowed for _ in range(2)] == [True, False]


@override_settings(T_LEGACY=None)
def test_a_legacy_setting_of_none_turns_the_limit_off():
    legacy = RateLimit("t.legacy", rate="1/60s", setting="T_LEGACY")

    assert all(legacy.hit("a").allowed for _ in range(5))


def test_concurrent_hits_take_exactly_the_allowed_number():
    limit = RateLimit("t.race", rate="25/60s")
    barrier = threading.Barrier(8)
    results: list[bool] = []
    lock = threading.Lock()

    def work() -> None:
        barrier.wait()
        mine = [limit.hit("shared").allowed for _ in range(10)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(results) == 80
    assert results.count(True) == 25
    assert limit.hit("shared").count == 81
