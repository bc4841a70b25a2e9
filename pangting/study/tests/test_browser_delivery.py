"""In a real browser: one arrangement form from the secretary's send, through the liaison, to the
leader's and the supervisor's receipt (R-S10, issue 11 "done when").

The secretary sends the form to the liaison in good time; the liaison passes it on to the linked
leader only after the due date, so the form is late — counted from the liaison's send, not the
secretary's and not the leader's receipt. After the session the copy goes to the supervisor, who
signs for it. The clock is moved with time-machine; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from conftest import World
from pangting.core.models import Delivery
from pangting.core.system import system_actor
from pangting.tests.builders import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TZ = ZoneInfo("Asia/Shanghai")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.fixture
def scene(transactional_db):
    from pangting.study import services as study

    world = World()
    with time_machine.travel(dt.datetime(2026, 11, 16, 9, 0, tzinfo=TZ), tick=False):
        world.session = study.create_session(
            actor=world.secretary_a,
            organization=world.unit_a,
            starts_at=dt.datetime(2026, 11, 25, 14, 30, tzinfo=TZ),
            ends_at=dt.datetime(2026, 11, 25, 17, 0, tzinfo=TZ),
            title="深入学习贯彻党的二十届四中全会精神",
            place="行政楼三楼会议室",
        )
        # 书记审定 (R-S15): the plan is approved before the form is sent.
        world.session = study.approve(world.session, actor=system_actor())
    return world


def login(browser, live_server, username):
    page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_one_arrangement_form_goes_through_the_liaison_to_the_leader_and_the_supervisor(browser, live_server, scene):
    ARTIFACTS.mkdir(exist_ok=True)
    session = scene.session
    assert session.arrangement_due == dt.date(2026, 11, 23)  # 2 working days before Wednesday the 25th
    url = f"{live_server.url}/study/sessions/{session.pk}/"
    travels: list = []

    def on(moment: str, username: str):
        traveller = time_machine.travel(dt.datetime.fromisoformat(f"{moment}+08:00"), tick=True)
        traveller.start()
        travels.append(traveller)
        return login(browser, live_server, username)

    try:
        # Friday the 20th: the secretary sends the form to the liaison, in good time.
        secretary = on("2026-11-20T10:00:00", "secretary_a")
        secretary.goto(url)
        secretary.get_by_test_id("submit-arrangement").click()
        expect(secretary.get_by_test_id("delivery-arrangement")).to_contain_text("未签收")

        # Tuesday the 24th, after the due date: the liaison sees the to-do and passes the form on.
        liaison = on("2026-11-24T09:00:00", "liaison")
        expect(liaison.get_by_text("签收并转报联系校领导", exact=False).first).to_be_visible()
        liaison.goto(url)
        liaison.get_by_test_id("forward-arrangement").click()
        to_leader = liaison.get_by_test_id("delivery-arrangement_leader")
        expect(to_leader.get_by_test_id("delivery-late")).to_be_visible()
        expect(liaison.get_by_test_id("delivery-arrangement").get_by_test_id("delivery-on-time")).to_be_visible()
        expect(liaison.get_by_test_id("arrangement-late")).to_be_visible()

        # The leader signs for his copy the same afternoon.
        leader = on("2026-11-24T15:00:00", "leader")
        leader.goto(url)
        leader.get_by_test_id("sign-receipt").click()
        expect(leader.get_by_test_id("delivery-arrangement_leader").get_by_test_id("signed")).to_contain_text("15:")
        leader.screenshot(path=str(ARTIFACTS / "study-delivery-leader.png"), full_page=True)

        # Thursday the 26th: the copy goes to the supervisor after the session; he signs for it.
        secretary = on("2026-11-26T10:00:00", "secretary_a")
        secretary.goto(url)
        secretary.get_by_test_id("submit-report").click()
        expect(secretary.get_by_test_id("delivery-report").get_by_test_id("delivery-on-time")).to_be_visible()
        supervisor = on("2026-11-26T11:00:00", "supervisor")
        supervisor.goto(url)
        supervisor.get_by_test_id("sign-receipt").click()
        expect(supervisor.get_by_test_id("delivery-report").get_by_test_id("signed")).to_be_visible()
        supervisor.screenshot(path=str(ARTIFACTS / "study-delivery-supervisor.png"), full_page=True)
    finally:
        for traveller in reversed(travels):
            traveller.stop()

    sent = {d.kind: d for d in Delivery.objects.filter(object_id=session.pk, app_label="study")}
    assert sent["arrangement"].sent_at.astimezone(TZ).date() == dt.date(2026, 11, 20)
    assert sent["arrangement_leader"].sent_at.astimezone(TZ).date() == dt.date(2026, 11, 24)  # what R-S10 counts
    assert sent["arrangement_leader"].receipts.get().signed_by == scene.leader
    assert sent["report"].receipts.get().signed_by == scene.supervisor
    session.refresh_from_db()
    assert session.arrangement_submitted_at == sent["arrangement_leader"].sent_at
