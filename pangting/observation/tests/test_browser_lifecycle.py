"""Issue 4, done-when: one planned visit walked from plan to closed rectification in a real browser.

The supervisor, the unit's study secretary, the liaison and the team leader each use their
own browser context, and every deadline is checked on screen: a letter delivered on
2026-09-28 is answered by 2026-10-13 (R-O4, National Day and the 10-10 make-up Saturday),
a session on 2026-09-30 is recorded by 2026-10-03 (R-O8, calendar days) and answered in
writing by 2026-10-20 (R-O9, working days).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from conftest import World
from pangting.tests.builders import PASSWORD
from pangting.tests.search_box import pick

# Live-server tests commit their rows, and the flush that follows would also empty what the
# migrations seeded (the calendar, the frequency rules) for every later test: restore it.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TZ = ZoneInfo("Asia/Shanghai")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.fixture
def scene(transactional_db):
    from pangting.study import services as study

    world = World()
    world.session = study.create_session(
        actor=world.secretary_a,
        organization=world.unit_a,
        starts_at=dt.datetime(2026, 9, 30, 14, 30, tzinfo=TZ),
        ends_at=dt.datetime(2026, 9, 30, 17, 0, tzinfo=TZ),
        title="深入学习贯彻党的二十届四中全会精神",
        place="行政楼三楼会议室",
        agenda=[
            {"kind": "first_item", "title": "传达学习习近平总书记最新重要讲话精神"},
            {"kind": "discussion", "title": "结合学院发展交流研讨"},
        ],
    )
    return world


def login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_it_walks_a_planned_visit_from_plan_to_closed_rectification(browser, live_server, scene):
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url

    def on(day: str, username: str):
        """Move the clock (sessions expire after 30 idle minutes, so log in again)."""
        traveller = time_machine.travel(dt.datetime.fromisoformat(f"{day}T09:00:00+08:00"), tick=True)
        traveller.start()
        travels.append(traveller)
        return login(browser, live_server, username)

    travels: list = []
    try:
        # Supervisor: plan the visit (the team is proposed from the links, R-O3), issue the letter.
        supervisor = on("2026-09-25", "supervisor")
        supervisor.goto(f"{base}/observation/new/")
        pick(supervisor, "unit", "甲学院", "甲学院党委")  # searched, not a <select> (issue 15)
        supervisor.select_option("select[name=mode]", value="planned")
        supervisor.fill("input[name=year]", "2026")
        supervisor.select_option("select[name=semester]", value="2")
        supervisor.fill("input[name=target_month]", "9")
        supervisor.click("form.card button[type=submit]")
        supervisor.wait_for_selector("[data-testid=visit-state]")
        visit_url = supervisor.url
        assert "王校领导" in supervisor.content()
        supervisor.click("[data-testid=issue-letter]")
        supervisor.click("[data-testid=confirm-ok]")  # irreversible: the page asks first (issue 16)
        expect(supervisor.get_by_test_id("deadlines")).to_contain_text("示大宣函〔2026〕1号")

        supervisor = on("2026-09-28", "supervisor")
        supervisor.goto(visit_url)
        supervisor.fill("input[name=delivered_on]", "2026-09-28")
        with supervisor.expect_navigation():  # read the new page, not the old one still showing "—"
            supervisor.click("[data-testid=record-delivery]")
        reply_due = supervisor.inner_text("[data-testid=reply-due]")
        assert "2026年10月13日" in reply_due and "7个工作日" in reply_due

        # Study secretary: reply naming the session; the record and feedback deadlines appear.
        secretary = on("2026-09-29", "secretary_a")
        secretary.goto(visit_url)
        secretary.select_option("select[name=session]", index=1)
        secretary.click("[data-testid=submit-reply]")  # R-O4: sent now, a delivery with receipts
        assert "已确定学习会" in secretary.inner_text("[data-testid=visit-state]")
        assert "逾期回复" not in secretary.inner_text("[data-testid=reply-due]")
        assert "2026年10月3日" in secretary.inner_text("[data-testid=record-due]")
        feedback_due = secretary.inner_text("[data-testid=feedback-due]")
        assert "2026年10月20日" in feedback_due and "10个工作日" in feedback_due

        # Liaison, the day after the session: the phone form, facts pre-filled, four areas and scores.
        liaison = on("2026-10-01", "liaison")
        liaison.goto(visit_url)
        liaison.click("[data-testid=fill-record]")
        assert "已落实" in liaison.inner_text("[data-testid=facts]")  # first agenda item, R-S4
        for name, text in [
            ("organization_findings", "有学习会方案，资料准备充分"),
            ("content_findings", "落实第一议题，专题学习四中全会精神"),
            ("method_findings", "研讨发言紧扣主题，但书面材料不全"),
            ("effect_findings", "能结合学院发展谈认识"),
            ("problems", "部分成员无书面发言材料"),
            ("suggestions", "完善书面发言材料"),
        ]:
            liaison.fill(f"textarea[name={name}]", text)
        for key, score in [("organization", "90"), ("content", "85"), ("method", "75"), ("effect", "80")]:
            liaison.fill(f"input[name=score_{key}]", score)
        liaison.click("[data-testid=submit-record]")
        assert liaison.inner_text("[data-testid=composite-score]") == "82.5"
        assert "已填报记录" in liaison.inner_text("[data-testid=visit-state]")

        # Team leader signs the record off.
        leader = login(browser, live_server, "leader")
        leader.goto(visit_url)
        leader.click("[data-testid=sign-off]")
        assert "组长已确认" in leader.content()

        # Supervisor: feedback with the 11-point checklist (R-O9), issued as a numbered letter.
        supervisor = on("2026-10-12", "supervisor")
        supervisor.goto(visit_url)
        supervisor.click("[data-testid=write-feedback]")
        supervisor.check("input[name=problem_original_texts]")
        supervisor.fill("input[name=evidence_original_texts]", "三名成员未提交书面发言材料，学原文不够深入")
        supervisor.fill("textarea[name=suggestions]", "下次学习前印发原文，成员提交书面发言")
        supervisor.click("[data-testid=issue-feedback]")
        supervisor.click("[data-testid=confirm-ok]")
        expect(supervisor.get_by_test_id("visit-state")).to_contain_text("已反馈")
        assert "示大宣函〔2026〕2号" in supervisor.content()
        assert "逾期反馈" not in supervisor.content()

        # Secretary: acknowledge, plan and report the rectification (R-O10).
        secretary = on("2026-10-13", "secretary_a")
        secretary.goto(visit_url)
        secretary.click("[data-testid=acknowledge]")
        assert "整改中" in secretary.inner_text("[data-testid=visit-state]")
        secretary.click("[data-testid=rectifications] a")
        secretary.fill("textarea[name=measure]", "建立书面发言材料报送制度")
        pick(secretary, "owner", "陈成", "陈成员（")  # the owner, searched among the unit's people (R-O25)
        secretary.fill("input[name=deadline]", "2026-12-31")
        secretary.click("form:has(input[value=plan]) button")
        expect(secretary.get_by_test_id("org-search-owner").locator("input[type=search]")).to_have_value(
            "陈成员（甲学院党委·副院长）"
        )
        secretary.fill("textarea[name=unit_report]", "已建立制度，12月学习会全员提交书面材料")
        secretary.click("[data-testid=report-rect]")
        assert "已报送" in secretary.inner_text("[data-testid=rect-status]")
        rectification_url = secretary.url

        # Supervisor verifies; the last accepted item closes the visit.
        supervisor = login(browser, live_server, "supervisor")
        supervisor.goto(rectification_url)
        supervisor.select_option("select[name=accept]", value="1")
        supervisor.click("[data-testid=verify-rect]")
        assert "已验收" in supervisor.inner_text("[data-testid=rect-status]")
        supervisor.goto(visit_url)
        assert "已办结" in supervisor.inner_text("[data-testid=visit-state]")
        steps = supervisor.inner_text("[data-testid=transitions]")
        for label in ["已函告", "已确定学习会", "已旁听", "已填报记录", "已反馈", "整改中", "已办结"]:
            assert label in steps
        supervisor.screenshot(path=str(ARTIFACTS / "observation-closed.png"), full_page=True)
        # The record form as the liaison saw it on his phone (a full-page screenshot resizes the
        # viewport, so it is taken last).
        liaison.goto(f"{visit_url}record/")
        liaison.screenshot(path=str(ARTIFACTS / "observation-record-phone.png"), full_page=True)
    finally:
        for traveller in reversed(travels):
            traveller.stop()
