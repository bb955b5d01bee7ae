"""Keyboard use and a small automatic accessibility check (WCAG 2.2 basics) on the main pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Returns a list of problems, each "what: which element". Checked:
# - <html lang> is set;
# - every visible input/select/textarea (not hidden/submit/button) has a label: a <label>
#   (for= or wrapping) with text, aria-label, or aria-labelledby pointing at text;
# - every <img> (and <input type=image>) has an alt attribute (alt="" is fine: decorative);
# - every visible link and button has a name (text, aria-label or an image's alt);
# - aria-describedby / aria-labelledby / label[for] point at elements that exist.
A11Y_CHECK = r"""() => {
  const problems = [];
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    if (el.getAttribute("name")) s += "[name=" + el.getAttribute("name") + "]";
    if (el.className && typeof el.className === "string") s += "." + el.className.trim().split(/\s+/).join(".");
    return s;
  };
  const visible = (el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: false });
  const text = (el) => (el.innerText || el.textContent || "").trim();

  if (!(document.documentElement.getAttribute("lang") || "").trim()) {
    problems.push("<html> has no lang");
  }
  const skipTypes = new Set(["hidden", "submit", "button", "reset", "image"]);
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.tagName === "INPUT" && skipTypes.has((el.getAttribute("type") || "").toLowerCase())) continue;
    if (!visible(el)) continue;
    const byLabel = Array.from(el.labels || []).some((l) => text(l));
    const byAria = (el.getAttribute("aria-label") || "").trim();
    const byIds = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean)
      .some((id) => { const t = document.getElementById(id); return t && text(t); });
    if (!byLabel && !byAria && !byIds) problems.push("form control without a label: " + describe(el));
  }
  for (const el of document.querySelectorAll("img, input[type=image]")) {
    if (!el.hasAttribute("alt")) problems.push("image without alt: " + (el.getAttribute("src") || describe(el)));
  }
  for (const el of document.querySelectorAll("a[href], button")) {
    if (!visible(el)) continue;
    const name = text(el) || (el.getAttribute("aria-label") || "").trim() || (el.getAttribute("title") || "").trim()
      || Array.from(el.querySelectorAll("img[alt]")).map((i) => i.alt.trim()).join("");
    if (!name) problems.push("link or button without a name: " + describe(el));
  }
  for (const el of document.querySelectorAll("[aria-describedby], [aria-labelledby], label[for]")) {
    const refs = [el.getAttribute("aria-describedby"), el.getAttribute("aria-labelledby"), el.getAttribute("for")]
      .join(" ").split(/\s+/).filter(Boolean);
    for (const id of refs) {
      if (!document.getElementById(id)) problems.push("reference to a missing id: " + describe(el) + " -> " + id);
    }
  }
  return problems;
}"""

PAGES = [
    # (url, who is signed in)
    ("/staff/login/", None),
    ("/portal/", None),
    ("/portal/login/", None),
    ("/staff/", "guicheng_worker"),
    ("/staff/persons/", "guicheng_worker"),
    ("/staff/persons/new/", "guicheng_worker"),
    ("/portal/eldercare/", None),
    ("/staff/eldercare/", "guicheng_worker"),
]


def test_pages_pass_basic_accessibility_checks(page, guicheng_worker, force_login):
    # One test for all pages (each browser test costs a database flush); the assertion
    # lists the problems of every page at once.
    problems = {}
    for url, who in PAGES:
        if who and not page.context.cookies():
            force_login(page, guicheng_worker)
        response = page.goto(url)
        assert response.status == 200, url
        expect(page).to_have_url(re.compile(re.escape(url) + "$"))  # not sent to a login page
        assert page.locator("html").get_attribute("lang") == "zh-hans", url
        found = page.evaluate(A11Y_CHECK)
        if found:
            problems[url] = found
    assert problems == {}


# WCAG 1.4.3: text of links and buttons against the first opaque background behind them.
CONTRAST_CHECK = r"""() => {
  const rgba = (s) => { const m = s.match(/[\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                       return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor);
                                 if (c.a === 1) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const low = [];
  for (const el of document.querySelectorAll("a[href], button")) {
    if (!el.checkVisibility() || !(el.innerText || "").trim()) continue;
    const [hi, lo] = [lum(rgba(getComputedStyle(el).color)), lum(background(el))].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) low.push(el.innerText.trim() + " " + ratio.toFixed(2) + ":1");
  }
  return low;
}"""


def test_links_and_buttons_have_readable_text(page):
    low = {}
    for url in ("/staff/login/", "/portal/", "/portal/login/"):
        page.goto(url)
        low[url] = page.evaluate(CONTRAST_CHECK)
    with page.expect_navigation():
        page.get_by_test_id("elder-on").click()
    expect(page.locator("html")).to_have_class(re.compile(r"\belder\b"))
    low["/portal/login/ (elder mode)"] = page.evaluate(CONTRAST_CHECK)
    assert {url: found for url, found in low.items() if found} == {}


def outline_of_focused(page) -> dict:
    return page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor}; }"""
    )


def test_keyboard_only_login(page, guicheng_worker):
    page.goto("/staff/login/")
    username = page.get_by_label("用户名")
    password = page.get_by_label("密码")

    # The page opens with the cursor in the first field (autofocus): no pointer needed.
    expect(username).to_be_focused()
    ring = outline_of_focused(page)
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    page.keyboard.type("guicheng_worker")

    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    ring = outline_of_focused(page)
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    page.keyboard.type("Test-Password-123")

    # Shift+Tab goes back to the user name and Tab forward again: the order is the visual one.
    page.keyboard.press("Shift+Tab")
    expect(username).to_be_focused()
    page.keyboard.press("Tab")
    expect(password).to_be_focused()

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
    page.wait_for_load_state()

    # On the next page the first Tab reaches the skip link, which becomes visible and
    # moves the focus to the main content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
