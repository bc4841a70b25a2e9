"""In a real browser: the secretary schedules a session, a member checks in by QR link, attendance closes.

The issue's "done when": the secretary creates a session with speakers and agenda, submits
the arrangement form (late, because the session is today: R-S10), a member checks in through
the QR link on a phone-sized screen, the secretary closes attendance, and the session shows the
participation rate (R-S3) and the lateness. Screenshots go to test-artifacts/study-*.png.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from pangting.study.models import StudySession
from pangting.tests.builders import PASSWORD
from pangting.tests.search_box import pick

# Live-server tests commit their rows, and the flush that follows would also empty what the
# migrations seeded (the calendar, the frequency rules) for every later test: restore it.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN"}


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def test_the_secretary_runs_a_session_and_a_member_checks_in_by_qr(live_world, live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    # The session started ten minutes ago, so check-in is open and the form is already late.
    start = timezone.localtime().replace(second=0, microsecond=0) - dt.timedelta(minutes=10)
    end = start + dt.timedelta(hours=2)

    secretary = browser.new_context(locale="zh-CN").new_page()
    sign_in(secretary, base, "secretary_a")
    secretary.goto(f"{base}/study/sessions/new/")
    pick(secretary, "organization", "甲学院", "甲学院党委")  # searched, not a <select> (issue 15)
    secretary.fill("#id_title", "学习贯彻党的二十届四中全会精神")
    secretary.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    secretary.fill("#id_ends_at", end.strftime("%Y-%m-%dT%H:%M"))
    secretary.fill("#id_place", "行政楼301会议室")
    secretary.fill("input[name=agenda-0-title]", "学习习近平总书记最新重要讲话精神")
    secretary.fill("input[name=agenda-2-title]", "围绕全会精神交流研讨")
    secretary.fill("#id_speakers-0-speaker_name", "陈成员")
    secretary.fill("#id_speakers-0-post", "副院长")
    secretary.fill("#id_speakers-0-outline", "结合分管工作谈落实举措")
    secretary.fill("#id_speakers-0-written_text", "书面发言全文")
    secretary.screenshot(path=str(ARTIFACTS / "study-session-form.png"), full_page=True)
    secretary.get_by_test_id("save-session").click()
    secretary.wait_for_url(re.compile(r".*/study/sessions/\d+/$"))
    session = StudySession.objects.get(title="学习贯彻党的二十届四中全会精神")
    assert [i.kind for i in session.agenda_items.all()] == ["first_item", "discussion"]

    # 书记审定 (R-S15): the group leader approves the session plan before the form can be sent.
    from pangting.core.system import system_actor
    from pangting.study import services as study

    study.approve(session, actor=system_actor())
    secretary.reload()
    secretary.get_by_test_id("submit-arrangement").click()
    secretary.get_by_test_id("arrangement-late").wait_for()
    checkin_url = secretary.get_by_test_id("checkin-link").get_attribute("href")
    # The QR image loads after the page: wait for it rather than race it.
    qr = secretary.locator("img[alt=签到二维码]").element_handle()
    secretary.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr)
    secretary.screenshot(path=str(ARTIFACTS / "study-session-qr.png"), full_page=True)

    member = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    sign_in(member, base, "member")
    member.goto(checkin_url)  # the scan checks a signed-in member in at once (the code is fresh)
    member.get_by_test_id("checked-in").wait_for()
    member.screenshot(path=str(ARTIFACTS / "study-checkin-phone.png"), full_page=True)

    secretary.reload()
    secretary.get_by_test_id("close-attendance").click()
    secretary.get_by_test_id("confirm-ok").click()  # irreversible: the page asks first (issue 16)
    secretary.wait_for_url(re.compile(r".*/study/sessions/\d+/$"))
    expect(secretary.get_by_test_id("session-status")).to_have_text("已召开")
    assert "100%" in secretary.get_by_test_id("participation-rate").inner_text()
    assert secretary.get_by_test_id("arrangement-late").is_visible()
    secretary.screenshot(path=str(ARTIFACTS / "study-session-held.png"), full_page=True)


def test_the_room_display_changes_its_code_every_step(live_world, live_server, page):
    """R-S3: the room's screen loads a new QR code each step and counts down to it (step set to 5 s)."""
    from pangting.core import clock, parameters
    from pangting.study.tests.builders import make_session

    w = live_world
    parameters.set_value("R-S3", "checkin_step_seconds", 5, actor=w.supervisor, note="测试")
    session = make_session(w.unit_a, starts_at=clock.now() + dt.timedelta(minutes=10))
    sign_in(page, live_server.url, "secretary_a")
    page.goto(f"{live_server.url}/study/sessions/{session.pk}/display/")
    body = page.get_by_test_id("checkin-display")
    page.wait_for_function("() => document.body.dataset.step !== undefined")
    first_step = body.get_attribute("data-step")
    first_src = page.get_by_test_id("display-qr").get_attribute("src")
    assert 1 <= int(page.get_by_test_id("display-seconds").inner_text()) <= 5
    page.wait_for_function(f"() => document.body.dataset.step !== '{first_step}'", timeout=8000)
    assert int(body.get_attribute("data-step")) > int(first_step)
    assert page.get_by_test_id("display-qr").get_attribute("src") != first_src
    qr = page.get_by_test_id("display-qr").element_handle()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "study-checkin-display.png"))
