"""Issue 15: the visit's leader and a problem's owner are searched, not listed in a <select> of
every one. Each form validates through the queryset its view passes, read from the policy function
the search reads too: a visit's leader is a school leader (R-O3), a problem's owner one of the
unit's subtree (R-O25). Outside it an id or a typed name is a Chinese error that writes nothing;
a namesake is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pangting.observation.models import Rectification, State, TeamMember, Visit
from pangting.tests.builders import make_person

from .scenes import travel, walk

pytestmark = pytest.mark.django_db

OUTSIDE_ORG = "所选党组织不存在或不在您的查看范围内"
OUTSIDE_PERSON = "所选人员不存在或不在您的查看范围内"


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _search(client, name: str, field: str, text: str, **params: str) -> list[int]:
    response = client.get(reverse(name), {"field": f"{field}_text", f"{field}_text": text, **params})
    assert response.status_code == 200
    return [(match[0] if isinstance(match, tuple) else match).pk for match in response.context["matches"]]


# --- a visit's leader (R-O3) ---------------------------------------------------------------------


def test_a_visits_leader_is_searched_among_school_leaders_and_a_namesake_is_refused(world, client_for):
    client = client_for(world.supervisor)
    url = reverse("observation:visit_create")
    page = _page(client.get(url))
    assert 'name="leader_text"' in page and '<select name="leader"' not in page and "leaders=1" in page
    body = {"unit": world.unit_a.pk, "mode": "planned", "year": 2026, "semester": 2}
    with travel("2026-09-25"):
        not_a_leader = _page(client.post(url, {**body, "leader_text": "陈成员"}))
        assert "没有姓名或工号为“陈成员”的人员" in not_a_leader  # in reach, but not a school leader
        assert OUTSIDE_PERSON in _page(client.post(url, {**body, "leader": world.member_person.pk}))
        namesake = make_person("王校领导", world.unit_b, post="副书记", is_school_leader=True, staff_no="S-WANG2")
        assert "有多名人员与“王校领导”相符" in _page(client.post(url, {**body, "leader_text": "王校领导"}))
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
    page = _page(client.get(url))
    assert 'name="owner_text"' in page and '<select name="owner"' not in page and f"under={world.unit_a.pk}" in page
    body = {"step": "plan", "measure": "建立转化清单", "version": item.version}
    # The school leader is in the supervisor's reach but not of unit A's subtree.
    assert OUTSIDE_PERSON in _page(client.post(url, {**body, "owner": world.leader_person.pk}))
    typed = _page(client.post(url, {**body, "owner_text": world.member_b_person.name}))
    assert f"没有姓名或工号为“{world.member_b_person.name}”的人员" in typed
    namesake = make_person("陈成员", world.branch_a, post="组织委员")
    assert "有多名人员与“陈成员”相符" in _page(client.post(url, {**body, "owner_text": "陈成员"}))
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
