"""Issue 15: the plan, outcome, attendee and cadre-branch forms search their organization or person
instead of listing every one in a <select>. The form validates through the queryset its view
passes (study.change, and for a cadre's branch only branches, R-B7): an id or a typed name outside
it is a Chinese error that writes nothing, a namesake is refused, and without JavaScript an exact
name or staff number is enough."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from pangting.study.models import Attendance, CadreBranch, StudyOutcome, StudyPlan
from pangting.tests.builders import make_person
from pangting.tests.search_box import OUTSIDE_ORG, OUTSIDE_PERSON, page_text

from .builders import at, make_session

pytestmark = pytest.mark.django_db


def test_the_pages_render_a_search_box_not_a_select(world, client_for):
    client = client_for(world.secretary_a)
    session = make_session(world.unit_a, starts_at=at(2030, 6, 5), actor=world.secretary_a)
    for url, fields in (
        (reverse("study:plan_create"), ["organization"]),
        (reverse("study:outcome_list"), ["organization"]),
        (reverse("study:cadre_branch_list"), ["person", "branch"]),
        (reverse("study:session_attendance", args=[session.pk]), ["person"]),
    ):
        page = page_text(client.get(url))
        for name in fields:
            assert f'name="{name}_text"' in page and f'<select name="{name}"' not in page, (url, name)
        assert world.member_b_person.name not in page and world.unit_b.name not in page, url


def test_an_outcome_takes_a_typed_name_and_refuses_another_units_id_or_name(world, client_for):
    """R-S19 outcomes, on a page that shows errors as messages: nothing is written when refused."""
    client = client_for(world.secretary_a)
    url = reverse("study:outcome_list")
    body = {"kind": "measure", "title": "三项举措", "recorded_on": "2026-06-15"}
    with time_machine.travel(dt.datetime(2026, 6, 15, 10), tick=False):
        assert OUTSIDE_ORG in page_text(client.post(url, {**body, "organization": world.unit_b.pk}))
        refused = page_text(client.post(url, {**body, "organization_text": world.unit_b.name}))
        assert f"没有名称或编码为“{world.unit_b.name}”的党组织" in refused
        assert not StudyOutcome.objects.exists()
        assert client.post(url, {**body, "organization_text": "甲学院党委"}).status_code == 302  # no JavaScript
    assert StudyOutcome.objects.get().organization == world.unit_a


def test_a_plan_takes_a_typed_code_and_refuses_another_units_id(world, client_for):
    client = client_for(world.secretary_a)
    url = reverse("study:plan_create")
    body = {"year": 2027, "kind": "center_group", "themes-TOTAL_FORMS": 0, "themes-INITIAL_FORMS": 0}
    assert OUTSIDE_ORG in page_text(client.post(url, {**body, "organization": world.unit_b.pk}))
    assert "没有名称或编码为“乙学院”的党组织" in page_text(client.post(url, {**body, "organization_text": "乙学院"}))
    assert not StudyPlan.objects.exists()
    assert client.post(url, {**body, "organization_text": "UA"}).status_code == 302  # the code, exactly
    assert StudyPlan.objects.get().organization == world.unit_a


def test_a_cadres_branch_is_searched_among_branches_and_a_namesake_is_refused(world, client_for):
    """R-B7: the branch field accepts branches only, typed or chosen; the cadre is a person in reach."""
    client = client_for(world.secretary_a)
    url = reverse("study:cadre_branch_list")
    body = {"since": "2026-01-01"}
    typed_unit = page_text(client.post(url, {**body, "person_text": "陈成员", "branch_text": "甲学院党委"}))
    assert "没有名称或编码为“甲学院党委”的党组织" in typed_unit  # a unit is not a branch
    assert OUTSIDE_PERSON in page_text(
        client.post(url, {**body, "person": world.member_b_person.pk, "branch": world.branch_a.pk})
    )
    namesake = make_person("陈成员", world.branch_a, post="组织委员", staff_no="S-CHEN2")
    refused = page_text(client.post(url, {**body, "person_text": "陈成员", "branch_text": "甲学院第一党支部"}))
    assert "有多名人员与“陈成员”相符" in refused
    assert not CadreBranch.objects.exists()
    assert client.post(url, {**body, "person_text": "s-chen2", "branch_text": "甲学院第一党支部"}).status_code == 302
    assert CadreBranch.objects.get().person == namesake
    search = client.get(
        reverse("orgs:organization_search"),
        {"scope": "study.change", "kind": "branch", "field": "branch_text", "branch_text": "甲学院"},
    )
    assert [org.pk for org in search.context["matches"]] == [world.branch_a.pk]  # the form's narrowing


def test_an_attendee_is_typed_or_chosen_and_another_units_person_is_refused(world, client_for):
    """R-S20: a person outside the group sits in; one outside the secretary's reach is refused."""
    session = make_session(world.unit_a, starts_at=at(2030, 6, 5), actor=world.secretary_a)
    client = client_for(world.secretary_a)
    add = reverse("study:session_add_attendee", args=[session.pk])
    attendance = reverse("study:session_attendance", args=[session.pk])
    refused = client.post(add, {"person": world.member_b_person.pk}, follow=True)
    assert OUTSIDE_PERSON in page_text(refused)
    typed = client.post(add, {"person_text": world.member_b_person.name}, follow=True)
    assert f"没有姓名或工号为“{world.member_b_person.name}”的人员" in page_text(typed)
    assert not session.attendances.filter(person=world.member_b_person).exists()
    outsider = make_person("列席书记", world.branch_a, post="党支部书记")
    assert client.post(add, {"person_text": "列席书记", "as_observer": "on"}).status_code == 302
    assert session.attendances.get(person=outsider).role == Attendance.Role.OBSERVER
    assert "列席书记" in page_text(client.get(attendance))


def test_a_plan_for_a_typed_organization_is_offered_that_organizations_upper_themes(world, client_for):
    """R-S17 without JavaScript: the upper level's themes offered are those of the organization
    typed (a branch, whose upper level is its unit), not those of the first one in reach."""
    from pangting.core.system import system_actor
    from pangting.study import services

    services.create_plan(world.root, actor=system_actor(), year=2027, themes=[{"period": 1, "theme": "校级专题"}])
    unit_plan = services.create_plan(
        world.unit_a, actor=system_actor(), year=2027, themes=[{"period": 1, "theme": "院级专题"}]
    )
    followed = unit_plan.themes.get()
    client = client_for(world.secretary_a)
    body = {
        "organization_text": world.branch_a.name, "year": 2027, "kind": "branch",
        "themes-TOTAL_FORMS": 1, "themes-INITIAL_FORMS": 0, "themes-0-period_kind": "month",
        "themes-0-period": 1, "themes-0-theme": "支部专题", "themes-0-upper_theme": followed.pk,
    }  # fmt: skip
    response = client.post(reverse("study:plan_create"), body)
    assert response.status_code == 302, page_text(response)[:2000]
    plan = StudyPlan.objects.get(organization=world.branch_a)
    assert plan.themes.get().upper_theme == followed
