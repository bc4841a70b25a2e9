"""Issue 5, done-when: the demo supervisor generates, adjusts and approves a 2027 plan in the browser,
and its visits appear in the observation workflow."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command

from conftest import World
from pangting.core.system import system_actor
from pangting.observation.models import Mode, Visit
from pangting.orgs import services as org_services
from pangting.planning.models import PlanRun
from pangting.tests.builders import PASSWORD, make_group, make_org, make_person

# Live-server tests commit their rows; the flush afterwards must restore what the migrations seeded.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
MONTHS = {"1": ("3", "4", "5", "6", "7"), "2": ("9", "10", "11", "12")}


@pytest.fixture
def college(transactional_db):
    """The personas' world plus a third unit and a second leader, so that a plan with cross pairs exists."""
    world = World()
    world.unit_c = make_org("丙学院党委", world.root, code="UC")
    make_group(world.unit_c)
    leader_b = make_person("钱校领导", world.root, post="副校长", is_school_leader=True)
    since = dt.date(2020, 1, 1)
    org_services.link_leader(leader_b, world.unit_b, actor=system_actor(), valid_from=since)
    org_services.link_leader(leader_b, world.unit_c, actor=system_actor(), valid_from=since)
    return world


def test_the_supervisor_generates_adjusts_and_approves_a_2027_plan(browser, live_server, college):
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        walk(context.new_page(), base, college)
    finally:
        context.close()


def walk(page, base, college):
    """Log in, start the run, move and pin a visit, approve, and find the visits in the workflow."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")

    # Start a 2027 run from the page; the detached process is off in tests, so run the command here.
    page.goto(f"{base}/planning/runs/")
    page.fill("input[name=year]", "2027")
    page.fill("input[name=time_limit]", "3")
    page.click("[data-testid=start-run]")
    page.wait_for_selector("[data-testid=run-progress]")
    run = PlanRun.objects.get()
    assert run.year == 2027 and run.status == PlanRun.Status.QUEUED
    call_command("generate_plan", "--run", str(run.pk))
    page.reload()
    page.wait_for_selector("[data-testid=approve-run]")

    # Move 甲学院党委's visit to another month of its semester and pin it.
    row = page.locator('[data-testid=draft-visit][data-unit="甲学院党委"]')
    semester = row.locator("input[name=semester]").input_value()
    old_month = row.get_attribute("data-month")
    new_month = next(m for m in MONTHS[semester] if m != old_month)
    row.locator("select[name=month]").select_option(new_month)
    row.locator("input[type=checkbox][name=pinned]").check()
    row.locator("[data-testid=adjust-visit]").click()
    page.wait_for_selector("text=已调整计划草案")
    row = page.locator('[data-testid=draft-visit][data-unit="甲学院党委"]')
    assert row.get_attribute("data-month") == new_month
    assert row.locator("[data-testid=pinned]").count() == 1
    assert page.locator("[data-testid=adjustments]").inner_text().count("甲学院党委") == 1
    page.screenshot(path=str(ARTIFACTS / "planning-draft.png"), full_page=True)
    # Issue 16: a compact table, not a page of one tall form per visit.
    assert page.evaluate("document.documentElement.scrollHeight") < 2500

    # Approve: the planned visits are created, the moved one in its new month.
    page.click("[data-testid=approve-run]")
    page.click("[data-testid=confirm-ok]")  # irreversible: the page asks first (issue 16)
    page.wait_for_url(f"{base}/observation/plan/?year=2027")
    planned = Visit.objects.filter(year=2027, mode=Mode.PLANNED)
    assert planned.count() == len(PlanRun.objects.get().draft["visits"]) >= 3
    assert planned.get(unit=college.unit_a).target_month == int(new_month)

    page.goto(f"{base}/observation/?year=2027")
    table = page.locator("main table")
    for name in ("甲学院党委", "乙学院党委", "丙学院党委"):
        assert table.locator("tr", has_text=name).count() >= 1
    label = f"2027{'春季学期' if semester == '1' else '秋季学期'}·{new_month}月"
    moved = table.locator("tr", has_text="甲学院党委").filter(has_text=label)
    assert moved.count() == 1
    assert "固定式" in moved.inner_text()
