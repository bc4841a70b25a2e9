"""Irreversible steps ask first (issue 16): 印发函告 opens a dialog saying what will happen;
取消 leaves the visit as it was, 确定 takes the step. Runs Debian's chromium through Playwright."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import World
from pangting.observation.models import State
from pangting.tests.builders import PASSWORD

from .scenes import planned

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def live_world(transactional_db) -> World:
    return World()


def test_it_asks_before_issuing_a_letter_and_cancelling_changes_nothing(live_world, live_server, page):
    visit = planned(live_world)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/observation/{visit.pk}/")

    page.get_by_test_id("issue-letter").click()
    dialog = page.get_by_test_id("confirm-dialog")
    assert dialog.is_visible()
    assert "印发后函告将送达被旁听单位，不能撤回。确定印发？" in dialog.inner_text()
    page.get_by_test_id("confirm-cancel").click()
    assert not dialog.is_visible()
    visit.refresh_from_db()
    assert visit.state == State.PLANNED and not visit.letter_number

    page.get_by_test_id("issue-letter").click()
    page.get_by_test_id("confirm-ok").click()
    expect(page.get_by_test_id("deadlines")).to_contain_text("宣函〔")
    visit.refresh_from_db()
    assert visit.state == State.NOTIFIED and visit.letter_number
