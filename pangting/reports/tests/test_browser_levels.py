"""Issue 12, done-when: a visit at the second supervising level in a real browser (R-O23).

The personas' university (示大宣函) has a college with its own supervising department
(丙学院, 丙院宣函), the shape of the demo's city above its university one level lower. The
college's supervisor plans a visit to its 机关党总支 and issues the notice letter, numbered in
the college's own series; the university's supervisor then finds it, read-only, on the
subordinate supervisors' dashboard (各级督导对比) and on the visit page, with no step to take.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from conftest import World
from pangting.tests.builders import PASSWORD
from pangting.tests.levels import Levels
from pangting.tests.search_box import pick

# Live-server tests commit their rows; the flush afterwards must restore what the migrations seeded.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.fixture
def levels(transactional_db) -> Levels:
    return Levels(World())


def login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_a_second_level_visit_has_its_own_letter_number_and_the_first_level_sees_it(browser, live_server, levels):
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    L = levels
    traveller = time_machine.travel(dt.datetime.fromisoformat("2026-09-25T09:00:00+08:00"), tick=True)
    traveller.start()
    try:
        # The second level plans its own visit and issues the letter in its own series.
        college = login(browser, live_server, "college_supervisor")
        college.goto(f"{base}/observation/new/")
        pick(college, "unit", "丙学院机关", "丙学院机关党总支")  # searched (issue 15)
        college.select_option("select[name=mode]", value="planned")
        college.fill("input[name=year]", "2026")
        college.select_option("select[name=semester]", value="2")
        college.fill("input[name=target_month]", "10")
        pick(college, "leader", L.college_leader.name, f"{L.college_leader.name}（")  # a school leader, searched (R-O3)
        college.click("form.card button[type=submit]")
        college.wait_for_selector("[data-testid=visit-state]")
        visit_url = college.url
        college.click("[data-testid=issue-letter]")
        college.click("[data-testid=confirm-ok]")
        expect(college.get_by_test_id("deadlines")).to_contain_text("丙院宣函〔2026〕1号")
        expect(college.get_by_test_id("record-delivery")).to_have_count(1)  # its own visit: it acts

        # The first level compares the levels: the college's row counts the letter, read-only.
        top = login(browser, live_server, "supervisor")
        top.goto(f"{base}/reports/levels/?year=2026")
        row = top.locator("[data-testid=level-row][data-org=UC]")
        expect(row).to_contain_text("只读")
        expect(row.get_by_test_id("level-visits")).to_have_text("1")
        expect(row.get_by_test_id("level-letters")).to_have_text("1")
        expect(top.locator("[data-testid=level-row][data-org=ROOT]")).to_contain_text("本级")
        top.screenshot(path=str(ARTIFACTS / "levels-dashboard.png"), full_page=True)

        # It reads the visit and its letter number, and has no step to take on it.
        top.goto(visit_url)
        expect(top.get_by_test_id("deadlines")).to_contain_text("丙院宣函〔2026〕1号")
        expect(top.get_by_test_id("record-delivery")).to_have_count(0)
        expect(top.get_by_test_id("issue-letter")).to_have_count(0)
    finally:
        traveller.stop()
