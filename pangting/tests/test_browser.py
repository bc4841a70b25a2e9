"""The real thing in a real browser: sign in through the form, see the right organizations, reveal a phone.

Runs Debian's chromium through Playwright against `live_server` (see the root conftest). The
home page is saved to `test-artifacts/home-<persona>.png`, at desktop and at phone width, for
a person to look at: Chinese must render, and the layout must hold on a 375 px screen.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from pangting.tests.builders import PASSWORD

# Live-server tests commit their rows, and the flush that follows would also empty what the
# migrations seeded (the calendar, the frequency rules) for every later test: restore it.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Our users' browsers ask for Chinese (an English browser gets English date formats)."""
    return {**browser_context_args, "locale": "zh-CN"}


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{base_url}/")


@pytest.mark.parametrize(("persona", "sees_unit_b"), [("supervisor", True), ("secretary_a", False)])
def test_a_persona_signs_in_and_sees_their_organizations(live_world, live_server, page, persona, sees_unit_b):
    ARTIFACTS.mkdir(exist_ok=True)
    sign_in(page, live_server.url, persona)
    todos = page.get_by_test_id("todos")
    assert todos.get_by_role("heading", name="我的待办").is_visible()
    page.screenshot(path=str(ARTIFACTS / f"home-{persona}.png"), full_page=True)

    nav = page.get_by_role("navigation")
    nav.get_by_text("组织人员").click()  # the menu group opens
    page.screenshot(path=str(ARTIFACTS / f"menu-{persona}.png"))
    nav.get_by_role("link", name="组织架构").click()
    page.wait_for_url(re.compile(r".*/orgs/$"))
    tree = page.get_by_test_id("org-tree")
    assert tree.get_by_role("link", name="甲学院党委").is_visible()
    assert tree.get_by_role("link", name="甲学院第一党支部").is_visible()
    assert (tree.get_by_role("link", name="乙学院党委").count() == 1) is sees_unit_b


def test_a_secretary_reveals_a_phone_number(live_world, live_server, page):
    sign_in(page, live_server.url, "secretary_a")
    page.goto(f"{live_server.url}/orgs/people/{live_world.member_person.pk}/")
    phone = page.locator("#phone")
    assert "138****0005" in phone.inner_text()
    page.get_by_role("button", name=re.compile("查看完整号码")).click()
    full = page.get_by_test_id("phone-full")
    full.wait_for()
    assert full.inner_text() == "13800000005"
    assert page.url.endswith(f"/orgs/people/{live_world.member_person.pk}/"), "htmx swapped in place"

    from pangting.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="person.phone_reveal", username="secretary_a").count() == 1


@pytest.mark.parametrize("persona", ["supervisor", "secretary_a", "viewer"])  # viewer: the leadership overview
def test_the_home_page_fits_a_phone(live_world, live_server, browser, persona):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, live_server.url, persona)
        page.screenshot(path=str(ARTIFACTS / f"home-{persona}-phone.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
    finally:
        context.close()


def test_no_csp_violations_on_the_main_pages(live_world, live_server, page):
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    sign_in(page, live_server.url, "supervisor")
    for path in ("/", "/orgs/", f"/orgs/{live_world.unit_a.pk}/", f"/orgs/people/{live_world.member_person.pk}/"):
        page.goto(f"{live_server.url}{path}")
    page.get_by_role("button", name=re.compile("查看完整号码")).click()
    page.get_by_test_id("phone-full").wait_for()
    assert not violations, violations
