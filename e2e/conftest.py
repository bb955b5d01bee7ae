"""Browser (end-to-end) tests: Playwright driving the system's Chromium against pytest-django's
live server.

The browser is found by `find_chromium()`; when there is none every test in this directory
is skipped with SKIP_REASON (and the reason is printed at the end of the run), so the
suite stays green on a machine without a browser. See e2e/README.md.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in the main thread; Django would then
# refuse ORM calls made by the test itself (creating users, checking rows) as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

E2E_DIR = Path(__file__).resolve().parent
REPO = E2E_DIR.parent
ARTIFACTS = REPO / "test-artifacts"

SKIP_REASON = "no Chromium found (apt-get install chromium): browser tests skipped"
TIMEOUT_MS = 15_000
PASSWORD = "Test-Password-123"  # the password of the root conftest's make_staff
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def find_chromium() -> str | None:
    """CHROMIUM_PATH if set (and then only it), else /usr/bin/chromium, else `chromium` on PATH."""
    configured = os.environ.get("CHROMIUM_PATH")
    candidates = [configured] if configured else ["/usr/bin/chromium", shutil.which("chromium")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


CHROMIUM = find_chromium()


def _in_e2e(item: pytest.Item) -> bool:
    return E2E_DIR in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config, items):
    # This hook sees the whole session's items, so it only touches this directory's tests.
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if _in_e2e(item):
            item.add_marker(pytest.mark.browser)
            if CHROMIUM is None:
                item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    # `-q` hides skip reasons; say once, plainly, why the browser tests did not run.
    skipped = terminalreporter.stats.get("skipped", [])
    if CHROMIUM is None and any(getattr(rep, "nodeid", "").startswith("e2e/") for rep in skipped):
        terminalreporter.write_line(SKIP_REASON, yellow=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item, so the page fixture can tell a failed test.
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


# ---------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def divisions(transactional_db):
    """The division tree. A data migration loads it, but transactional tests flush every
    table afterwards, so from the second browser test on it has to be loaded again."""
    from minzheng.core.services import divisions_ensure_nanhai

    divisions_ensure_nanhai()


@pytest.fixture
def clean_cache():
    """The local-memory cache (rate-limit counters) is shared with the live server's thread
    and outlives a test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_page(request, browser, live_server, divisions, clean_cache) -> Iterator[Callable]:
    """make_page(**context_options) -> a Page in a new, empty browser context (no cookies),
    pointed at the live server. Pages of a failed test are saved to test-artifacts/.
    Every page listens for Content-Security-Policy violations: a journey that meets one
    (an inline script or style the policy blocks) fails, so the strict policy is checked
    in a real browser on every page the journeys visit."""
    contexts = []
    violations: list[str] = []

    def watch(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            violations.append(message.text)

    def make(**options):
        options = {**DESKTOP, "locale": "zh-CN", "base_url": live_server.url, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        new_page = context.new_page()
        new_page.on("console", watch)
        return new_page

    yield make

    failed = any(
        getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    for n, context in enumerate(contexts):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            for m, page in enumerate(context.pages):
                with contextlib.suppress(Exception):  # must not hide the real failure
                    page.screenshot(path=str(ARTIFACTS / f"{name}-{n}-{m}.png"), full_page=True)
        context.close()
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def page(make_page):
    """A desktop-sized page in a fresh context."""
    return make_page()


@pytest.fixture
def phone_page(make_page):
    """A phone-sized touch page (390 x 844) in a fresh context."""
    return make_page(**PHONE)


# ---------------------------------------------------------------- signing in


# Helpers are fixtures that return functions: the test modules cannot import this file
# (e2e/ is not a package, and the name "conftest" is the root conftest's).


@pytest.fixture
def login_staff() -> Callable:
    """login_staff(page, username): sign in through the staff login form, as a person would."""

    def sign_in(page, username: str, password: str = PASSWORD) -> None:
        page.goto("/staff/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_url("**/staff/")

    return sign_in


@pytest.fixture
def force_login(live_server) -> Callable:
    """force_login(page, user): put a signed-in session for `user` into the page's context
    without the form (for tests about some other page)."""
    from django.conf import settings
    from django.test import Client

    def sign_in(page, user) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return sign_in
