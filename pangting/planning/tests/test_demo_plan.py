"""Issue 5, done-when, on the demo: the demo supervisor generates, adjusts and approves next year's plan in
the browser, and its visits appear in the observation workflow.

Runs against the server `make run` started (`PANGTING_DEMO_URL`), whose seeded university has
~18 units and a few months of next year when a leader or liaison is away (`planning/demo.py`). The
server starts each run as a detached `generate_plan` process; the page follows it by htmx
polling and reloads when it is done. Needs a demo database without an approved plan for next year (a
fresh `make run`). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from pangting.core.demo import demo_dates

BASE_URL = os.environ.get("PANGTING_DEMO_URL", "")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
DEMO_PASSWORD = "pangting-demo-2026"
SOLVE_TIMEOUT_MS = 180_000  # queue, process start-up, a 10-second solve, and the 2-second poll
SEMESTERS = {"1": "春季学期", "2": "秋季学期"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.demo,
    pytest.mark.skipif(not BASE_URL, reason="needs the server started by `make run` (scripts/demo-check.sh)"),
]


def test_the_demo_supervisor_generates_adjusts_and_approves_next_years_plan(browser):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        walk(context.new_page())
    finally:
        context.close()


def finished(page):
    """Wait for the htmx progress to end in a draft (the page reloads itself when the run is done)."""
    page.wait_for_selector("[data-testid=approve-run], [data-testid=run-explanation]", timeout=SOLVE_TIMEOUT_MS)
    explanation = page.locator("[data-testid=run-explanation]")
    assert explanation.count() == 0, explanation.inner_text()


def walk(page):
    year = demo_dates().next_year  # the year the demo's unavailable months are in (planning/demo.py)
    page.goto(f"{BASE_URL}/accounts/login/")
    page.fill("input[name=username]", "xuanchuan")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{BASE_URL}/")

    # 计划生成 from the menu; the demo's unavailability is one click away.
    page.locator("nav.main li.group summary", has_text="巡听旁听").click()
    page.locator("nav.main a", has_text="计划生成").click()
    page.wait_for_url(f"{BASE_URL}/planning/runs/")
    page.click("[data-testid=unavailability-link]")
    page.wait_for_selector("[data-testid=unavailability-row]")
    assert f"{year}年3月至4月" in page.inner_text("[data-testid=unavailability]")
    page.goto(f"{BASE_URL}/planning/runs/")

    page.fill("input[name=year]", str(year))
    page.fill("input[name=time_limit]", "10")
    page.click("[data-testid=start-run]")
    page.wait_for_selector("[data-testid=run-progress]")
    page.screenshot(path=str(ARTIFACTS / "demo-plan-progress.png"), full_page=True)
    finished(page)
    first_run = page.url
    visits = page.locator("[data-testid=draft-visit]")
    assert visits.count() >= 9  # ~18 units, at least every unit of the two-year round
    assert page.locator("[data-testid=visit-away]").count() == 0  # nobody planned in a month they are away
    assert page.locator("[data-testid=run-unavailable]").count() == 1

    # Move the first movable visit to a month nobody is away, and pin it.
    row = page.locator("[data-testid=draft-visit]:has([data-testid=adjust-visit])").first
    unit = row.get_attribute("data-unit")
    semester = row.locator("input[name=semester]").input_value()
    old_month = row.get_attribute("data-month")
    options = row.locator("select[name=month] option")
    free = [
        options.nth(i).get_attribute("value")
        for i in range(options.count())
        if "不可安排" not in options.nth(i).inner_text()
    ]
    new_month = next(m for m in free if m != old_month)
    row.locator("select[name=month]").select_option(new_month)
    row.locator("input[type=checkbox][name=pinned]").check()
    row.locator("[data-testid=adjust-visit]").click()
    page.wait_for_selector("text=已调整计划草案")
    moved = page.locator(f'[data-testid=draft-visit][data-unit="{unit}"]')
    assert moved.get_attribute("data-month") == new_month
    assert moved.locator("[data-testid=pinned]").count() == 1
    log = page.inner_text("[data-testid=adjustments]")
    assert unit in log and re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", log)
    page.screenshot(path=str(ARTIFACTS / "demo-plan-adjusted.png"), full_page=True)

    # Re-solve around the pin: a new run, followed the same way, keeps the visit where it was put.
    page.click("[data-testid=resolve-run]")
    page.wait_for_selector("[data-testid=resolved-from]")
    assert page.url != first_run
    finished(page)
    kept = page.locator(f'[data-testid=draft-visit][data-unit="{unit}"]')
    assert kept.get_attribute("data-month") == new_month
    assert kept.locator("[data-testid=pinned]").count() == 1
    planned = page.locator("[data-testid=draft-visit]").count()
    page.screenshot(path=str(ARTIFACTS / "demo-plan-resolved.png"), full_page=True)

    # Approve: the planned visits go into the observation workflow.
    page.click("[data-testid=approve-run]")
    page.click("[data-testid=confirm-ok]")  # irreversible: the page asks first (issue 16)
    page.wait_for_url(f"{BASE_URL}/observation/plan/?year={year}")
    assert "已按草案安排" in page.inner_text("main")
    page.goto(f"{BASE_URL}/observation/?year={year}")
    table = page.locator("main table")
    rows = table.locator("tr", has_text="固定式")
    assert rows.count() >= min(planned, 20)  # a long list may be paged
    label = f"{year}{SEMESTERS[semester]}·{new_month}月"
    # The list names units by their short display name (体育部 for 体育部直属党支部).
    names = table.locator("tr", has_text=label).locator("td:first-child").all_inner_texts()
    assert any(name.strip() and unit.startswith(name.strip()) for name in names), (unit, label, names)
    page.screenshot(path=str(ARTIFACTS / "demo-plan-visits.png"), full_page=True)
