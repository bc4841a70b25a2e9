"""Issue 15: the visit's leader, a problem's owner and the cross-observation's units and person are
searched, not listed in a <select> of every one. Each form validates through the queryset its view
passes, read from the policy function the search reads too: a visit's leader is a school leader
(R-O3), a problem's owner one of the unit's subtree (R-O25), a cross-observation's visitor one of
the hosts' sibling units and its person that unit's secretary or deputy, by name only (R-O13).
Outside it an id or a typed name is a Chinese error that writes nothing; a namesake is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pangting.core.system import system_actor
from pangting.observation.models import CrossObservation, Rectification, State, TeamMember, Visit
from pangting.orgs import services as org_services
from pangting.orgs.models import StudyGroupMember
from pangting.tests.builders import make_group, make_org, make_person
from pangting.tests.search_box import OUTSIDE_ORG, OUTSIDE_PERSON, page_text

from .scenes import travel, walk

pytestmark = pytest.mark.django_db


def _search(client, name: str, field: str, text: str, **params: str) -> list[int]:
    response = client.get(reverse(name), {"field": f"{field}_text", f"{field}_text": text, **params})
    assert response.status_code == 200
    return [(match[0] if isinstance(match, tuple) else match).pk for match in response.context["matches"]]


# --- a visit's leader (R-O3) ---------------------------------------------------------------------


def test_a_visits_leader_is_searched_among_school_leaders_and_a_namesake_is_refused(world, client_for):
    client = client_for(world.supervisor)
    url = reverse("observation:visit_create")
    page = page_text(client.get(url))
    assert 'name="leader_text"' in page and '<select name="leader"' not in page and "leaders=1" in page
    body = {"unit": world.unit_a.pk, "mode": "planned", "year": 2026, "semester": 2}
    with travel("2026-09-25"):
        not_a_leader = page_text(client.post(url, {**body, "leader_text": "陈成员"}))
        assert "没有姓名或工号为“陈成员”的人员" in not_a_leader  # in reach, but not a school leader
        assert OUTSIDE_PERSON in page_text(client.post(url, {**body, "leader": world.member_person.pk}))
        namesake = make_person("王校领导", world.unit_b, post="副书记", is_school_leader=True, staff_no="S-WANG2")
        assert "有多名人员与“王校领导”相符" in page_text(client.post(url, {**body, "leader_text": "王校领导"}))
        assert not Visit.objects.exists()
        assert client.post(url, {**body, "leader_text": "s-wang2"}).status_code == 302  # the staff number
    visit = Visit.objects.get()
    assert visit.team_members.get(role=TeamMember.Role.LEADER).person == namesake
    leaders = _search(client, "orgs:person_search", "leader", "王", scope="observation.manage", leaders="1")
    assert set(leaders) == {world.leader_person.pk, namesake.pk}  # the search narrows as the form does
    assert _search(client, "orgs:person_search", "leader", "成员", scope="observation.manage", leaders="1") == []


# --- a problem's owner (R-O25) -------------------------------------------------------------------


def test_a_problems_owner_is_one_of_the_units_people_typed_or_chosen(world, client_for):
    item = Rectification.objects.filter(visit=walk(world, State.RECTIFYING)).first()
    client = client_for(world.supervisor)
    url = reverse("observation:rectification_detail", args=[item.pk])
    page = page_text(client.get(url))
    assert 'name="owner_text"' in page and '<select name="owner"' not in page and f"under={world.unit_a.pk}" in page
    body = {"step": "plan", "measure": "建立转化清单", "version": item.version}
    # The school leader is in the supervisor's reach but not of unit A's subtree.
    assert OUTSIDE_PERSON in page_text(client.post(url, {**body, "owner": world.leader_person.pk}))
    typed = page_text(client.post(url, {**body, "owner_text": world.member_b_person.name}))
    assert f"没有姓名或工号为“{world.member_b_person.name}”的人员" in typed
    namesake = make_person("陈成员", world.branch_a, post="组织委员")
    assert "有多名人员与“陈成员”相符" in page_text(client.post(url, {**body, "owner_text": "陈成员"}))
    item.refresh_from_db()
    assert item.owner is None and item.measure != "建立转化清单"
    assert client.post(url, {**body, "owner": namesake.pk}).status_code == 302
    item.refresh_from_db()
    assert item.owner == namesake
    offered = _search(client, "orgs:person_search", "owner", "成员", scope="directory.view", under=str(world.unit_a.pk))
    assert set(offered) == {world.member_person.pk, namesake.pk}


def test_the_owner_search_refuses_a_unit_outside_the_reach(world, client_for):
    response = client_for(world.secretary_a).get(
        reverse("orgs:person_search"), {"scope": "directory.view", "under": world.unit_b.pk, "q": "成员"}
    )
    assert response.status_code == 404


# --- a cross-observation's units and person (R-O13) ----------------------------------------------


@pytest.fixture
def far_unit(world):
    """A unit of another tree: no sibling of unit A, so never a partner."""
    other_root = make_org("外校党委", None, code="FAR")
    unit = make_org("外校甲学院党委", other_root, code="FAR1")
    deputy = make_person("外校副书记", unit, post="副书记")
    make_group(unit, (deputy, StudyGroupMember.Role.DEPUTY))
    return unit


def test_a_cross_observation_names_a_sibling_unit_and_its_deputy_by_name_only(world, client_for, far_unit):
    deputy_b = make_person("乙副书记", world.unit_b, post="副书记")
    org_services.add_member(world.group_b, deputy_b, actor=system_actor(), role=StudyGroupMember.Role.DEPUTY)
    client = client_for(world.secretary_a)
    url = reverse("observation:cross_create")
    page = page_text(client.get(url))
    for name in ("host", "visitor", "visitor_person"):
        assert f'name="{name}_text"' in page and f'<select name="{name}"' not in page, name
    assert world.unit_b.name not in page and "乙副书记" not in page  # nothing listed before a search
    body = {"host_text": "甲学院党委", "visitor_text": "乙学院党委"}
    with travel("2026-09-25"):
        far = page_text(client.post(url, {**body, "visitor_text": far_unit.name}))
        assert f"没有名称或编码为“{far_unit.name}”的党组织" in far
        assert OUTSIDE_ORG in page_text(client.post(url, {**body, "visitor": world.branch_a.pk}))  # not a unit
        assert OUTSIDE_ORG in page_text(client.post(url, {**body, "host": world.unit_b.pk}))  # not the secretary's
        not_deputy = page_text(client.post(url, {**body, "visitor_person_text": world.member_b_person.name}))
        assert f"没有姓名或工号为“{world.member_b_person.name}”的人员" in not_deputy
        assert OUTSIDE_PERSON in page_text(client.post(url, {**body, "visitor_person": world.member_b_person.pk}))
        assert not CrossObservation.objects.exists()
        assert client.post(url, {**body, "visitor_person_text": "乙副书记"}).status_code == 302  # no JavaScript
    cross = CrossObservation.objects.get()
    assert (cross.host, cross.visitor, cross.visitor_person) == (world.unit_a, world.unit_b, deputy_b)
    scope = "observation.reply,observation.manage"
    visitors = _search(client, "orgs:organization_search", "visitor", "学院", scope=scope, cross="visitor")
    assert world.unit_b.pk in visitors and far_unit.pk not in visitors and world.branch_a.pk not in visitors
    assert _search(client, "orgs:organization_search", "host", "学院", scope=scope, cross="host") == [world.unit_a.pk]
    people = _search(client, "orgs:person_search", "visitor_person", "副书记", scope=scope, cross="visitor")
    assert people == [deputy_b.pk]  # the far unit's deputy is no partner's


def test_the_cross_searches_answer_nothing_to_a_user_without_a_unit_to_host(world, client_for):
    scope = "observation.reply,observation.manage"
    response = client_for(world.member).get(
        reverse("orgs:organization_search"), {"scope": scope, "cross": "visitor", "q": "学院"}
    )
    assert response.status_code == 404
