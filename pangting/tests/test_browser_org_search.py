"""Issue 15 in a real browser: a filter's organization is searched as one types (htmx), chosen
from at most 20 matches, and the list is filtered by the chosen id."""

from __future__ import annotations

import pytest

from .test_browser import browser_context_args, sign_in  # noqa: F401  (the shared fixture too)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_supervisor_searches_a_unit_in_the_people_filter_and_picks_it(live_world, live_server, page):
    sign_in(page, live_server.url, "supervisor")
    page.goto(f"{live_server.url}/orgs/people/")
    box = page.get_by_test_id("org-search-org")
    box.locator("input[type=search]").press_sequentially("乙学院")
    choice = box.get_by_role("button", name="乙学院党委")
    choice.wait_for()
    choice.click()
    assert box.locator("input[type=hidden]").input_value() == str(live_world.unit_b.pk)
    assert box.locator("input[type=search]").input_value() == "乙学院党委"
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**/orgs/people/?*org={live_world.unit_b.pk}*")
    body = page.locator("main").inner_text() if page.locator("main").count() else page.inner_text("body")
    assert live_world.secretary_b_person.name in body and live_world.secretary_a_person.name not in body
