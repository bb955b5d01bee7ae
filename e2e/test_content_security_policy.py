"""Pages that run the most script — the charts (ECharts) and the progress bars — work under
the strict Content-Security-Policy in a real browser: the chart draws, the bar has its
width, and the page fixture fails the test on any violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_charts_draw_under_the_strict_policy(page, make_staff, force_login):
    from minzheng.core import roles

    leader = make_staff("leader", roles.LEADER)
    force_login(page, leader)
    for url, chart in (
        ("/staff/rescue/stats/", "#rescue-chart"),
        ("/staff/qingming/live/", "#arrivals-chart"),
    ):
        response = page.goto(url)
        assert response.status == 200
        assert "script-src 'self';" in response.headers["content-security-policy"]
        expect(page.locator(f"{chart} canvas")).to_have_count(1)
        box = page.locator(chart).bounding_box()
        assert box["height"] >= 300  # the size class applied (it was a style attribute)


def test_a_width_that_is_data_is_set_without_a_style_attribute(page, make_staff, force_login):
    from minzheng.core import roles
    from minzheng.core.services import job_create, job_progress

    officer = make_staff("district_officer", roles.DISTRICT_OFFICER)
    job = job_create(actor=officer, kind="import")
    job_progress(job=job, done=1, total=4)
    force_login(page, officer)
    page.goto(f"/staff/jobs/{job.pk}/")
    bar = page.locator("[data-mz-width]").first
    expect(bar).to_have_attribute("data-mz-width", "25")
    width = bar.evaluate("el => el.style.width")
    assert width == "25%"
