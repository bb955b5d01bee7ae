"""The Content-Security-Policy: strict on the platform's pages, same-origin everywhere,
and templates that keep to it (no inline scripts, style attributes or handlers)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from minzheng.core.csp import STRICT, THIRD_PARTY_SCREENS

TEMPLATE_ROOTS = sorted((Path(settings.BASE_DIR) / "minzheng").glob("**/templates"))
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>"
)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^<>]*\sstyle=")
HANDLER_ATTRIBUTE = re.compile(r"<[a-zA-Z][^<>]*\son[a-z]+=")
STYLE_ELEMENT = re.compile(r"<style[\s>]")


def test_the_strict_policy_allows_nothing_inline_and_nothing_from_elsewhere():
    directives = dict(d.split(" ", 1) for d in STRICT.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    for policy in (STRICT, THIRD_PARTY_SCREENS):
        assert "http" not in policy and "*" not in policy


@pytest.mark.django_db
def test_pages_carry_the_strict_policy(client, guicheng_worker):
    assert client.get("/portal/")["Content-Security-Policy"] == STRICT
    assert client.get("/staff/login/")["Content-Security-Policy"] == STRICT
    client.force_login(guicheng_worker)
    assert client.get("/staff/persons/")["Content-Security-Policy"] == STRICT


@pytest.mark.django_db
def test_admin_and_swagger_get_their_same_origin_policy(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/")["Content-Security-Policy"] == THIRD_PARTY_SCREENS
    assert client.get("/api/docs/")["Content-Security-Policy"] == THIRD_PARTY_SCREENS


@pytest.mark.django_db
def test_report_only_mode_reports_instead_of_blocking(client, settings):
    settings.CSP_REPORT_ONLY = True
    response = client.get("/portal/")
    assert response["Content-Security-Policy-Report-Only"] == STRICT
    assert "Content-Security-Policy" not in response


def test_no_template_has_inline_script_style_or_handlers():
    offences = []
    for root in TEMPLATE_ROOTS:
        for path in root.glob("**/*.html"):
            text = path.read_text(encoding="utf-8")
            for name, pattern in (
                ("inline script", INLINE_SCRIPT),
                ("style attribute", STYLE_ATTRIBUTE),
                ("event handler attribute", HANDLER_ATTRIBUTE),
                ("style element", STYLE_ELEMENT),
            ):
                if pattern.search(text):
                    offences.append(f"{path.relative_to(settings.BASE_DIR)}: {name}")
    assert TEMPLATE_ROOTS and offences == []
