"""Issue 15: the unavailability form's person is searched, not listed in a <select> of every leader
and liaison (a province has thousands). The form validates through the queryset its view reads
from `policy.planning_people_choices`, the search's `planning=1` reads the same: the current linked
leaders and liaisons of the units the supervisor's seat supervises (R-O1, R-O3, R-O23). Outside it
an id or a typed name is a Chinese error that writes nothing; a namesake is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pangting.accounts import policy
from pangting.core.system import system_actor
from pangting.orgs import services as org_services
from pangting.orgs.models import Person
from pangting.planning.models import Unavailability
from pangting.planning.tests.builders import SINCE, add_college
from pangting.tests.builders import make_org, make_person
from pangting.tests.levels import Levels
from pangting.tests.search_box import OUTSIDE_PERSON, page_text

pytestmark = pytest.mark.django_db

BODY = {"year": 2027, "first_month": 4, "last_month": 5, "reason": "赴中央党校学习"}


@pytest.fixture
def college(world):
    """The personas' world plus a third unit C, linked to a second leader."""
    return add_college(world)


def _offered(client, text: str, **params: str) -> list[int]:
    query = {"scope": "observation.manage", "planning": "1", "field": "person_text", "person_text": text, **params}
    response = client.get(reverse("orgs:person_search"), query)
    assert response.status_code == 200
    return [person.pk for person, _label in response.context["matches"]]


def _everyone_offered(client) -> set[int]:
    """Every person the search offers, asked for each person's name."""
    return {pk for person in Person.objects.all() for pk in _offered(client, person.name)}


def test_the_page_renders_a_search_box_not_a_select_of_people(college, client_for):
    w = college
    page = page_text(client_for(w.supervisor).get(reverse("planning:unavailability_list"), {"year": "2027"}))
    assert 'name="person_text"' in page and '<select name="person"' not in page and "planning=1" in page
    for person in (w.leader_person, w.liaison_person, w.leader_b_person):
        assert person.name not in page  # nothing listed before a search


def test_the_search_offers_exactly_what_the_form_accepts(college, client_for):
    w = college
    client = client_for(w.supervisor)
    accepted = set(policy.planning_people_choices(w.supervisor).values_list("pk", flat=True))
    assert accepted == {w.leader_person.pk, w.liaison_person.pk, w.leader_b_person.pk}  # R-O3: leaders, liaisons
    assert _everyone_offered(client) == accepted
    assert _offered(client, "成员") == []  # in the supervisor's reach, but no leader nor liaison
    former = make_person("孙前领导", w.root, post="原副校长", is_school_leader=True)
    link = org_services.link_leader(former, w.unit_c, actor=system_actor(), valid_from=SINCE)
    assert _offered(client, "孙前领导") == [former.pk]
    org_services.end_link(link, actor=system_actor(), on=dt.date(2021, 1, 1))
    assert _offered(client, "孙前领导") == []  # a link that ended is no longer a candidate (R-O3)


def test_a_person_outside_the_set_is_refused_in_chinese_and_nothing_is_saved(college, client_for):
    w = college
    client = client_for(w.supervisor)
    url = reverse("planning:unavailability_create")
    far = make_person("外校领导", make_org("外校党委", None, code="FAR"), post="副校长", is_school_leader=True)
    # In reach but no leader or liaison of a unit; of another tree; not an id at all.
    for person in (w.member_person.pk, far.pk, "abc", "²", "9" * 30):
        assert OUTSIDE_PERSON in page_text(client.post(url, {**BODY, "person": person})), person
    typed = page_text(client.post(url, {**BODY, "person_text": w.member_person.name}))
    assert f"没有姓名或工号为“{w.member_person.name}”的人员" in typed
    assert "必填" in page_text(client.post(url, BODY))  # no person at all
    assert not Unavailability.all_objects.exists()


def test_a_namesake_is_refused_and_one_outside_the_set_does_not_count(college, client_for):
    w = college
    client = client_for(w.supervisor)
    url = reverse("planning:unavailability_create")
    namesake = make_person("钱校领导", w.unit_c, post="党政办主任", staff_no="S-QIAN2")
    org_services.assign_liaison(namesake, w.unit_c, actor=system_actor(), valid_from=SINCE)
    assert "有多名人员与“钱校领导”相符" in page_text(client.post(url, {**BODY, "person_text": "钱校领导"}))
    assert not Unavailability.objects.exists()
    assert client.post(url, {**BODY, "person_text": "s-qian2"}).status_code == 302  # the staff number
    assert Unavailability.objects.get().person == namesake
    make_person("李联络", w.unit_b, post="教师")  # a namesake who is no liaison: not a candidate
    assert client.post(url, {**BODY, "person_text": "李联络", "year": 2028}).status_code == 302  # no JavaScript
    assert Unavailability.objects.get(year=2028).person == w.liaison_person


def test_the_record_saves_with_the_person_chosen_from_the_search(college, client_for):
    w = college
    client = client_for(w.supervisor)
    [chosen] = _offered(client, "钱校")
    response = client.post(reverse("planning:unavailability_create"), {**BODY, "person": chosen}, follow=True)
    assert "已登记不可安排时间" in page_text(response)
    row = Unavailability.objects.get()
    assert (row.person, row.supervisor_org, row.first_month, row.last_month) == (w.leader_b_person, w.root, 4, 5)


def test_a_lower_seat_searches_and_records_its_own_units_people_only(world, client_for):
    """R-O23: the college supervises its own units; its supervisor names their leaders, not the
    university's, and the university's supervisor not the college's units' leaders."""
    levels = Levels(world)
    org_services.link_leader(levels.college_leader, levels.department, actor=system_actor(), valid_from=SINCE)
    college = client_for(levels.college_supervisor)
    assert _everyone_offered(college) == {levels.college_leader.pk}
    assert levels.college_leader.pk not in _everyone_offered(client_for(world.supervisor))
    url = reverse("planning:unavailability_create")
    assert OUTSIDE_PERSON in page_text(college.post(url, {**BODY, "person": world.leader_person.pk}))
    assert college.post(url, {**BODY, "person_text": levels.college_leader.name}).status_code == 302
    assert Unavailability.objects.get().supervisor_org == levels.college


def test_the_search_offers_nothing_to_a_user_without_a_seat(world, client_for):
    client = client_for(world.secretary_a)
    assert _offered(client, "领导", scope="directory.view") == []
    assert policy.planning_people_choices(world.secretary_a).count() == 0
    response = client.get(reverse("orgs:person_search"), {"scope": "observation.manage", "planning": "1", "q": "王"})
    assert response.status_code == 404  # no observation.manage: the search is not there
