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
