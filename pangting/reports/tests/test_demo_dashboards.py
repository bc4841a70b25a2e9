"""Issue 6, done-when, on the demo data: the dashboard shows every chart with data, and a colour on a
unit page leads to the records behind it.

Runs against the server `make run` started (PANGTING_DEMO_URL), in Debian's chromium; skipped
without one. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pangting.core.demo import demo_dates

BASE_URL = os.environ.get("PANGTING_DEMO_URL", "")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
DEMO_PASSWORD = "pangting-demo-2026"
# Every chart the issue lists; the two semesters' cross-observation matrices are separate charts.
CHARTS = [
    "coverage", "timeliness", "participation", "first_item", "secretary_led", "postponements", "scores_unit",
    "scores_time", "cross_1", "cross_2", "rect_status", "rect_ageing", "frequency",
]  # fmt: skip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.demo,
    pytest.mark.skipif(not BASE_URL, reason="needs the server started by `make run` (scripts/demo-check.sh)"),
]


def log_in(page, username: str) -> None:
    page.goto(f"{BASE_URL}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{BASE_URL}/")


def test_the_demo_dashboard_shows_every_chart_and_a_colour_leads_to_its_records(browser):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        log_in(page, "xuanchuan")
        page.goto(f"{BASE_URL}/reports/?year={demo_dates().year}")
        page.locator("[data-chart][data-rendered=true]").first.wait_for()
        for chart in CHARTS:
            card = page.locator(f"[data-testid=chart-card][data-chart-id={chart}]")
            assert card.count() == 1, chart
            assert card.locator("[data-testid=chart-empty]").count() == 0, f"{chart} has no data in the demo"
            assert card.locator("[data-chart] svg").count() == 1, f"{chart} was not drawn"
        page.screenshot(path=str(ARTIFACTS / "demo-dashboard.png"), full_page=True)

        # The unit with the most red rules, then its first red (or amber) rule.
        rows = page.locator("[data-testid=unit-row]")
        best, best_count = 0, -1
        for index in range(rows.count()):
            cells = rows.nth(index).locator("td")
            count = int(cells.nth(0).inner_text() or 0) * 100 + int(cells.nth(1).inner_text() or 0)
            if count > best_count:
                best, best_count = index, count
        assert best_count > 0, "the demo's checks found nothing to colour"
        rows.nth(best).locator("a").click()
        page.wait_for_selector("[data-testid=rule-table]")
        linked = ":has([data-testid=evidence-link])"
        coloured = page.locator(f"[data-testid=rule][data-colour=red]{linked}")
        if coloured.count() == 0:
            coloured = page.locator(f"[data-testid=rule][data-colour=amber]{linked}")
        rule = coloured.first
        rule.locator("summary").click()
        link = rule.locator("[data-testid=evidence-link]").first
        link.wait_for()
        page.screenshot(path=str(ARTIFACTS / "demo-unit-page.png"), full_page=True)
        href = link.get_attribute("href")
        with page.expect_navigation() as navigation:
            link.click()
        assert navigation.value.status == 200, href
        assert page.url.endswith(href)
        page.screenshot(path=str(ARTIFACTS / "demo-unit-evidence.png"), full_page=True)
    finally:
        context.close()
