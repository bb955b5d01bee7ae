"""Project-wide pytest fixtures: users of each role, and the PostgreSQL guard for CI."""

from __future__ import annotations

import os

import pytest


def pytest_configure(config):
    from django.conf import settings

    # In CI the PostgreSQL run must fail, not skip, when the database is unreachable.
    if os.environ.get("CI") and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        import psycopg

        db = settings.DATABASES["default"]
        try:
            psycopg.connect(
                host=db["HOST"],
                port=db["PORT"] or 5432,
                user=db["USER"],
                dbname=db["NAME"],
                connect_timeout=5,
            ).close()
        except Exception as exc:  # pragma: no cover - a CI environment failure
            raise pytest.UsageError(f"PostgreSQL is not reachable for the CI run: {exc}") from exc


def pytest_runtest_setup(item):
    # @pytest.mark.postgres: the test needs PostgreSQL (row locks, real concurrent writers);
    # skipped on SQLite, run (and failing, never skipped, in CI) with DATABASE_URL set.
    if item.get_closest_marker("postgres"):
        from django.conf import settings

        if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
            pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")


@pytest.fixture
def run_concurrently():
    """The one race helper. run_concurrently(fn, n) -> [fn(0) … fn(n-1)], and
    run_concurrently.calls([f, g, …]) -> [f(), g(), …]; each item is the return value or
    the exception raised: real threads, each on its own database connection (opened before
    the start), released together by a barrier so that they really overlap. For tests
    with `transactional_db` on PostgreSQL (`@pytest.mark.postgres`)."""
    import threading

    from django.db import connections

    def run(fn, n: int) -> list:
        barrier = threading.Barrier(n)
        results: list = [None] * n

        def work(i: int) -> None:
            try:
                connections["default"].ensure_connection()
                barrier.wait()
                results[i] = fn(i)
            except Exception as exc:  # noqa: BLE001 - handed back for the test to assert
                results[i] = exc
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a thread did not finish in 120 s"
        return results

    run.calls = lambda calls: run(lambda i: calls[i](), len(calls))
    return run


@pytest.fixture(autouse=True)
def _reference_divisions(request):
    """Transactional tests empty every table when they end, including the divisions that
    migration core.0002 loaded; put them back for every test that uses the database."""
    names = set(request.fixturenames)
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    elif not request.node.get_closest_marker("django_db"):
        return
    from minzheng.core.services import divisions_ensure_nanhai

    divisions_ensure_nanhai()


@pytest.fixture(autouse=True)
def _clear_sms_outbox():
    from minzheng.core.sms import MemoryBackend

    MemoryBackend.outbox.clear()
    yield


@pytest.fixture
def make_staff(db):
    """make_staff("guicheng_worker", roles.TOWN_CASEWORKER, "440605011000") -> User"""
    from minzheng.core import roles
    from minzheng.core.demo_accounts import ensure_account

    roles.sync_roles()

    def make(username: str, role: str, division: str = "440605000000", *, superuser: bool = False):
        return ensure_account(
            username=username,
            display_name=username,
            division=division,
            role=role,
            password="Test-Password-123",
            superuser=superuser,
        )

    return make


@pytest.fixture
def guicheng_worker(make_staff):
    from minzheng.core import roles

    return make_staff("guicheng_worker", roles.TOWN_CASEWORKER, "440605011000")


@pytest.fixture
def jiujiang_worker(make_staff):
    from minzheng.core import roles

    return make_staff("jiujiang_worker", roles.TOWN_CASEWORKER, "440605121000")


@pytest.fixture
def leader(make_staff):
    from minzheng.core import roles

    return make_staff("leader", roles.LEADER)


@pytest.fixture
def district_officer(make_staff):
    from minzheng.core import roles

    return make_staff("district_officer", roles.DISTRICT_OFFICER)


@pytest.fixture
def admin_user(make_staff):
    from minzheng.core import roles

    return make_staff("admin", roles.SYSTEM_ADMIN, superuser=True)


@pytest.fixture
def queries_of():
    """queries_of(fn) -> how many queries fn() ran. List pages assert that the count does
    not grow with the rows (no query per row): measure, add rows, measure again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(fn) -> int:
        with CaptureQueriesContext(connection) as ctx:
            fn()
        return len(ctx.captured_queries)

    return count
