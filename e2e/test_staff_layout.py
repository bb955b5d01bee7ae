"""The staff menu at office screen widths (1024, 1366 px): no entry breaks inside a word;
the menu wraps between entries."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1024, 1366])
@pytest.mark.parametrize("who", ["leader", "district_officer", "admin_user"])
def test_menu_entries_stay_on_one_line(request, make_page, force_login, who, width):
    user = request.getfixturevalue(who)
    page = make_page(viewport={"width": width, "height": 768})
    force_login(page, user)
    page.goto("/staff/")
    links = page.get_by_role("navigation", name="主菜单").locator(".nav-link")
    assert links.count() >= 5
    # A text broken over two lines has two line boxes: count them with a Range over it.
    lines = links.evaluate_all(
        "els => els.map(e => { const r = document.createRange(); r.selectNodeContents(e);"
        " const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));"
        " return [e.textContent.trim(), tops.size]; })"
    )
    broken = [text for text, n in lines if n != 1]
    assert broken == [], f"menu entries broken over two lines: {broken}"
