"""In a real browser: a unit invites another unit to sit in on its session (R-O13), naming the
visiting unit and its deputy secretary by search (issue 15), names only: neither is in the
inviting secretary's reach otherwise."""

from __future__ import annotations

import pytest

from conftest import World
from pangting.core.system import system_actor
from pangting.observation.models import CrossObservation
from pangting.orgs import services as org_services
from pangting.orgs.models import StudyGroupMember
from pangting.study.tests.test_browser import sign_in
from pangting.tests.builders import make_person
from pangting.tests.search_box import pick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def scene(transactional_db):
    world = World()
    world.deputy_b = make_person("乙副书记", world.unit_b, post="副书记")
    org_services.add_member(world.group_b, world.deputy_b, actor=system_actor(), role=StudyGroupMember.Role.DEPUTY)
    return world


def test_the_secretary_invites_a_sibling_unit_and_its_deputy_by_search(scene, live_server, page):
    sign_in(page, live_server.url, "secretary_a")
    page.goto(f"{live_server.url}/observation/cross/new/")
    assert page.locator("select[name=host], select[name=visitor], select[name=visitor_person]").count() == 0
    assert page.get_by_test_id("org-search-host").locator("input[type=search]").input_value() == "甲学院党委"
    pick(page, "visitor", "乙学院", "乙学院党委")
    pick(page, "visitor_person", "乙副", "乙副书记（")
    page.get_by_test_id("submit-cross").click()
    page.wait_for_url(f"{live_server.url}/observation/cross/*/")
    cross = CrossObservation.objects.get()
    assert (cross.host, cross.visitor, cross.visitor_person) == (scene.unit_a, scene.unit_b, scene.deputy_b)
