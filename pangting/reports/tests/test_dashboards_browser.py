"""Issue 6 in the browser: the dashboard draws every chart, and a red colour on a unit page opens
to a finding whose evidence link leads to the record behind it. Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import World
from pangting.compliance.models import ComplianceRun
from pangting.compliance.tests.builders import stored_finding
from pangting.observation.tests.scenes import walk
from pangting.tests.builders import PASSWORD

# Live-server tests commit their rows; the flush afterwards must restore what the migrations seeded.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.fixture
def observed(transactional_db):
    """The personas' world with a visit to unit A walked to rectification, and a red finding about its session."""
    world = World()
    visit = walk(world, "rectifying")
    # The run comes after the records, so the unit page finds it current and does not re-check.
    run = ComplianceRun.objects.create(year=2026, finished_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    stored_finding(
        rule_id="R-S10",
        unit=world.unit_a,
        year=2026,
        period="2026-09",
        key=f"session:{visit.session_id}",
        severity="red",
        message="学习安排报送表未按时报送",
        evidence=[{"model": "study.studysession", "pk": visit.session_id, "label": "9月30日学习会"}],
        first_seen=run,
        last_seen=run,
    )
    world.visit = visit
    return world


def test_the_dashboard_draws_every_chart_and_a_red_colour_leads_to_its_record(browser, live_server, observed):
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", "supervisor")
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{base}/")

        page.goto(f"{base}/reports/?year=2026")
        cards = page.locator("[data-testid=chart-card]")
        # 14 cards: the observation teams' severity (R-O18 calibration) joined the thirteen.
        assert cards.count() == 14
        drawn = page.locator("[data-chart][data-rendered=true]")
        drawn.first.wait_for()
        containers = page.locator("[data-chart]")
        # The year has visits, records, sessions and a rectification; no session was rescheduled,
        # so the postponements card (R-S11) shows its empty state instead of a chart of zeros.
        assert containers.count() >= 7
        postponements = page.locator("[data-chart-id=postponements] [data-testid=chart-empty]")
        assert "均未改期" in postponements.inner_text()
        for index in range(containers.count()):
            assert containers.nth(index).locator("svg, canvas").count() >= 1
        # Every card either draws its chart or says why it is empty.
        for index in range(cards.count()):
            card = cards.nth(index)
            assert card.locator("[data-chart] svg").count() + card.locator("[data-testid=chart-empty]").count() == 1
        assert not [e for e in errors if "Content Security Policy" in e or "echarts" in e.lower()]
        page.screenshot(path=str(ARTIFACTS / "dashboard-2026.png"), full_page=True)

        page.click("[data-testid=unit-table] a:has-text('甲学院党委')")
        page.wait_for_selector("[data-testid=rule-table]")
        rule = page.locator("[data-testid=rule][data-colour=red]").first
        rule.locator("summary").click()
        link = rule.locator("[data-testid=evidence-link]").first
        link.wait_for()
        page.screenshot(path=str(ARTIFACTS / "unit-page-red-finding.png"), full_page=True)
        link.click()
        page.wait_for_url(f"{base}/study/sessions/{observed.visit.session_id}/")
        assert "深入学习贯彻党的二十届四中全会精神" in page.inner_text("main")
        page.screenshot(path=str(ARTIFACTS / "unit-page-evidence-record.png"), full_page=True)
    finally:
        context.close()
