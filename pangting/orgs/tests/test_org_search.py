"""Issue 15: filter forms search organizations (htmx, scoped endpoint) instead of a <select> of
every organization, still work without JavaScript, and refuse an organization outside the reach
with a Chinese message; list pages are paginated."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pangting.orgs.forms import LinkForm
from pangting.orgs.models import Organization, OrganizationKind, Person
from pangting.tests.builders import make_org, make_person

pytestmark = pytest.mark.django_db

SEARCH = "orgs:organization_search"


def found(client, text: str, **params: str) -> list[int]:
    response = client.get(reverse(SEARCH), {"field": "org_text", "org_text": text, **params})
    assert response.status_code == 200
    return [org.pk for org in response.context["matches"]]


def test_the_search_answers_only_what_the_user_reaches_by_name_or_code(world, client_for):
    supervisor, secretary = client_for(world.supervisor), client_for(world.secretary_a)
    assert set(found(supervisor, "学院", scope="study.view")) >= {world.unit_a.pk, world.unit_b.pk}
    assert found(supervisor, "ua1", scope="study.view") == [world.branch_a.pk]  # a code's beginning
    assert world.unit_b.pk not in found(secretary, "学院", scope="study.view")  # unit B is not the secretary's
    assert found(secretary, "乙学院", scope="study.view") == []
    assert world.branch_a.pk not in found(supervisor, "甲学院", scope="study.view", units="1")
    assert found(supervisor, "", scope="study.view") == []


def test_the_search_answers_at_most_twenty(world, client_for):
    for i in range(25):
        make_org(f"测试学院{i:02d}党委", world.root, code=f"T{i:02d}")
    assert len(found(client_for(world.supervisor), "测试学院", scope="directory.view")) == 20


def test_the_search_refuses_an_unknown_scope_or_a_user_without_it(world, client_for):
    assert client_for(world.supervisor).get(reverse(SEARCH), {"scope": "nonsense"}).status_code == 404
    assert client_for(world.outsider).get(reverse(SEARCH), {"scope": "study.view", "q": "学院"}).status_code == 404


def test_the_session_filter_has_no_select_of_organizations_and_filters_by_id_or_typed_name(world, client_for):
    from pangting.study.tests.builders import at, make_session

    make_session(world.unit_a, starts_at=at(2026, 10, 15), title="甲学院的学习会")
    make_session(world.unit_b, starts_at=at(2026, 10, 16), title="乙学院的学习会")
    client = client_for(world.supervisor)
    url = reverse("study:session_list")
    page = client.get(url).content.decode()
    assert 'name="org_text"' in page and 'hx-get="/orgs/search/' in page and '<select name="org"' not in page
    by_id = client.get(url, {"org": world.unit_b.pk, "org_text": "乙学院党委"}).content.decode()
    assert "乙学院的学习会" in by_id and "甲学院的学习会" not in by_id
    typed = client.get(url, {"org": "", "org_text": "UA"}).content.decode()  # no JavaScript: matched by code
    assert "甲学院的学习会" in typed and "乙学院的学习会" not in typed


def test_a_filter_refuses_an_organization_outside_the_reach_in_chinese(world, client_for):
    secretary = client_for(world.secretary_a)
    response = secretary.get(reverse("study:session_list"), {"org": world.unit_b.pk})
    assert response.status_code == 200
    assert "所选党组织不存在或不在您的查看范围内" in response.content.decode()
    for value in ("abc", "99999999999999999999999", "-1", "²", "١٢"):
        assert secretary.get(reverse("study:session_list"), {"org": value}).status_code == 200
    assert secretary.get(reverse("study:session_list"), {"org_text": "\x00"}).status_code == 400  # refused as input
    typed = secretary.get(reverse("study:session_list"), {"org_text": "乙学院"}).content.decode()
    assert "没有名称或编码为“乙学院”的党组织" in typed
    ambiguous = client_for(world.supervisor).get(reverse("study:session_list"), {"org_text": "学院"})
    assert "有多个党组织与“学院”相符" in ambiguous.content.decode()


def test_the_people_reports_and_findings_filters_use_the_search_too(world, client_for):
    client = client_for(world.supervisor)
    for name, field in (
        ("orgs:person_list", "org"),
        ("assessment:report_list", "unit"),
        ("compliance:finding_list", "unit"),
    ):
        page = client.get(reverse(name)).content.decode()
        assert f'name="{field}_text"' in page and f'<select name="{field}"' not in page, name
        refused = client_for(world.secretary_a).get(reverse(name), {field: world.unit_b.pk})
        assert refused.status_code in (200, 404), name
        if refused.status_code == 200:
            assert "不在您的查看范围内" in refused.content.decode(), name
    people = client.get(reverse("orgs:person_list"), {"org_text": "乙学院党委"}).content.decode()
    assert world.secretary_b_person.name in people and world.secretary_a_person.name not in people


def test_the_organization_list_is_paginated(world, client_for):
    for i in range(55):
        make_org(f"分页党支部{i:02d}", world.unit_a, kind=OrganizationKind.BRANCH, code=f"P{i:02d}")
    client = client_for(world.supervisor)
    first = client.get(reverse("orgs:organization_list"))
    assert len(first.context["organizations"]) == 50
    assert "下一页" in first.content.decode()
    second = client.get(reverse("orgs:organization_list"), {"page": 2})
    total = Organization.objects.count()
    assert len(second.context["organizations"]) == total - 50
    assert client.get(reverse("orgs:organization_list"), {"page": "x"}).status_code == 200


def test_the_plan_list_names_the_first_missing_units_and_counts_the_rest(world, client_for, monkeypatch):
    from pangting.study.views import plans

    monkeypatch.setattr(plans, "MISSING_SHOWN", 1)
    response = client_for(world.supervisor).get(reverse("study:plan_list"), {"year": 2026})
    page = response.content.decode()
    assert response.context["missing_count"] == 2 and len(response.context["missing"]) == 1
    assert "等 2 个单位" in page and "page_obj" in response.context


def test_the_ledger_filter_searches_its_unit_and_its_links_carry_the_id(world, client_for):
    client = client_for(world.supervisor)
    url = reverse("reports:ledgers")
    page = client.get(url).content.decode()
    assert 'name="unit_text"' in page and "study.view%2Cobservation.view" in page
    typed = client.get(url, {"year": 2026, "unit_text": "UB"})
    assert typed.context["unit"] == world.unit_b
    assert all(f"unit={world.unit_b.pk}" in link["query"] for link in typed.context["links"])
    refused = client_for(world.secretary_a).get(url, {"year": 2026, "unit": world.unit_b.pk}).content.decode()
    assert "所选单位不存在，或不在您的查看范围内。" in refused
    search = client_for(world.liaison).get(
        reverse(SEARCH), {"scope": "study.view,observation.view", "field": "q", "q": "学院"}
    )
    assert search.status_code == 200 and world.unit_a in search.context["matches"]


# --- create forms: organizations and people are searched too (issue 15) -------------------

PERSON_SEARCH = "orgs:person_search"


def people_found(client, text: str, scope: str) -> list[int]:
    response = client.get(reverse(PERSON_SEARCH), {"scope": scope, "field": "person_text", "person_text": text})
    assert response.status_code == 200
    return [person.pk for person, _label in response.context["matches"]]


def test_the_person_search_answers_only_people_the_user_reaches_with_their_unit_and_post(world, client_for):
    supervisor, secretary = client_for(world.supervisor), client_for(world.secretary_a)
    both = [world.secretary_a_person.pk, world.secretary_b_person.pk]  # in tree order: unit A, then B
    assert people_found(supervisor, "秘书", "directory.view") == both
    assert people_found(secretary, "秘书", "study.view") == [world.secretary_a_person.pk]  # unit B is not his
    page = supervisor.get(
        reverse(PERSON_SEARCH), {"scope": "directory.view", "field": "q", "q": "张秘书"}
    ).content.decode()
    assert "张秘书（甲学院党委·组织员）" in page or "张秘书（甲学院·组织员）" in page
    assert people_found(supervisor, "", "directory.view") == []
    assert client_for(world.outsider).get(reverse(PERSON_SEARCH), {"scope": "directory.view"}).status_code == 404
    assert supervisor.get(reverse(PERSON_SEARCH), {"scope": "nonsense"}).status_code == 404


def test_the_link_form_searches_its_person_and_unit_and_refuses_namesakes_in_chinese(world, client_for):
    client = client_for(world.sysadmin)
    page = client.get(reverse("orgs:link_list")).content.decode()
    assert 'name="person_text"' in page and 'name="unit_text"' in page
    assert '<select name="person"' not in page and '<select name="unit"' not in page
    people, units = Person.objects.all(), Organization.objects.filter(pk__in=[world.unit_a.pk, world.unit_b.pk])
    data = {"kind": "liaison", "person_text": "周成员", "unit_text": "乙学院党委", "valid_from": "2026-09-01"}
    form = LinkForm(data, people=people, units=units)
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["person"], form.cleaned_data["unit"]) == (world.member_b_person, world.unit_b)
    make_person("周成员", world.unit_a, post="教授")  # a namesake: the typed name no longer decides
    form = LinkForm(data, people=people, units=units)
    assert not form.is_valid() and "有多名人员与“周成员”相符" in str(form.errors["person"])
    by_id = LinkForm({**data, "person": str(world.member_b_person.pk)}, people=people, units=units)
    assert by_id.is_valid(), by_id.errors
    outside = LinkForm({**data, "person": str(world.member_b_person.pk)}, people=people.none(), units=units)
    assert not outside.is_valid() and "所选人员不存在或不在您的查看范围内" in str(outside.errors["person"])


def test_the_visit_and_problem_item_forms_search_their_unit(world, client_for):
    client = client_for(world.supervisor)
    for name in ("observation:visit_create", "observation:problem_item_create"):
        page = client.get(reverse(name)).content.decode()
        assert 'name="unit_text"' in page and '<select name="unit"' not in page, name
        assert "units=1" in page, name


def test_without_javascript_typed_names_create_a_link_and_namesakes_are_refused(world, client_for):
    """The search box's text is posted when JavaScript is off: an exact name decides, a namesake
    is refused in Chinese asking to choose from the list, and nothing is written."""
    from pangting.orgs.models import LiaisonAssignment

    client = client_for(world.sysadmin)
    typed = {"kind": "liaison", "person": "", "person_text": "周成员", "unit": "", "unit_text": "乙学院党委"}
    response = client.post(reverse("orgs:link_create"), {**typed, "valid_from": "2026-09-01"}, follow=True)
    assert response.status_code == 200
    assert LiaisonAssignment.objects.filter(liaison=world.member_b_person, unit=world.unit_b).exists()
    make_person("周成员", world.unit_a, post="教授")
    before = LiaisonAssignment.objects.count()
    response = client.post(
        reverse("orgs:link_create"), {**typed, "unit_text": "甲学院党委", "valid_from": "2026-09-02"}, follow=True
    )
    page = response.content.decode()
    assert "有多名人员与“周成员”相符，请从搜索结果中选择，或输入工号。" in page
    assert LiaisonAssignment.objects.count() == before


def test_an_exact_organization_name_wins_over_names_that_contain_it(world):
    """“甲学院党委” typed is that unit, although “甲学院党委宣传部” also contains it; a part of
    two names is refused as ambiguous with a Chinese message."""
    make_org("甲学院党委宣传部", world.root, code="UA-XC")
    units = Organization.objects.all()
    people = Person.objects.all()
    data = {"kind": "liaison", "person_text": "陈成员", "valid_from": "2026-09-01"}
    exact = LinkForm({**data, "unit_text": "甲学院党委"}, people=people, units=units)
    assert exact.is_valid(), exact.errors
    assert exact.cleaned_data["unit"] == world.unit_a
    by_code = LinkForm({**data, "unit_text": "ua-xc"}, people=people, units=units)
    assert by_code.is_valid() and by_code.cleaned_data["unit"].code == "UA-XC"
    part = LinkForm({**data, "unit_text": "甲学院"}, people=people, units=units)
    assert not part.is_valid()
    assert "有多个党组织与“甲学院”相符，请输入完整名称或编码，或从搜索结果中选择。" in str(part.errors["unit"])
    unknown = LinkForm({**data, "unit_text": "丁学院"}, people=people, units=units)
    assert not unknown.is_valid() and "没有名称或编码为“丁学院”的党组织" in str(unknown.errors["unit"])


def test_the_visit_form_takes_typed_names_without_javascript(world, client_for):
    from pangting.observation.models import Visit

    client = client_for(world.supervisor)
    body = {"unit": "", "unit_text": "乙学院党委", "liaison": "", "liaison_text": "赵秘书", "mode": "planned"}
    leader = {"leader": world.leader_person.pk}  # still a <select>: the few school leaders
    response = client.post(reverse("observation:visit_create"), {**body, **leader, "year": 2026, "semester": 2})
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = Visit.objects.get(unit=world.unit_b)
    assert visit.team_members.filter(person=world.secretary_b_person).exists()


# --- the directory's own forms: parent, organization, center group member, conflict (issue 15) ---


def test_the_organization_and_person_forms_search_their_organization(world, client_for):
    client = client_for(world.supervisor)
    for url, name in ((reverse("orgs:organization_create"), "parent"), (reverse("orgs:person_create"), "organization")):
        page = client.get(url).content.decode()
        assert f'name="{name}_text"' in page and f'<select name="{name}"' not in page, url
    # A `?org=` link shows the organization's name in the box, and its id in the hidden field.
    page = client.get(reverse("orgs:person_create"), {"org": world.unit_b.pk}).content.decode()
    assert 'value="乙学院党委"' in page and f'name="organization" value="{world.unit_b.pk}"' in page


def test_without_javascript_a_typed_parent_and_organization_are_matched_in_reach(world, client_for):
    client = client_for(world.supervisor)
    body = {"name": "新支部", "code": "NEW1", "kind": "branch", "sort_order": 0}
    response = client.post(reverse("orgs:organization_create"), {**body, "parent_text": "乙学院党委"})
    assert response.status_code == 302
    assert Organization.objects.get(code="NEW1").parent == world.unit_b
    response = client.post(reverse("orgs:person_create"), {"name": "新人", "organization_text": "UB"})
    assert response.status_code == 302 and Person.objects.get(name="新人").organization == world.unit_b
    response = client.post(reverse("orgs:person_create"), {"name": "外人", "organization_text": "丁学院党委"})
    assert "没有名称或编码为“丁学院党委”的党组织（或不在您的查看范围内）。" in response.content.decode()
    assert not Person.objects.filter(name="外人").exists()


def test_an_organization_moves_only_outside_its_own_subtree_in_the_form_and_the_search(world, client_for):
    client = client_for(world.supervisor)
    edit = reverse("orgs:organization_edit", args=[world.unit_a.pk])
    page = client.get(edit).content.decode()
    assert f"moving={world.unit_a.pk}" in page and 'value="中共示范大学委员会"' in page
    search = {"scope": "directory.change", "field": "q"}
    below = client.get(reverse(SEARCH), {**search, "q": "甲学院", "moving": world.unit_a.pk}).context["matches"]
    assert below == []  # the unit itself and its branch: it cannot go under them
    anywhere = client.get(reverse(SEARCH), {**search, "q": "甲学院"}).context["matches"]
    assert {world.unit_a, world.branch_a} <= set(anywhere)
    body = {"name": "甲学院党委", "code": "UA", "kind": world.unit_a.kind, "sort_order": 0}
    response = client.post(edit, {**body, "parent_text": "甲学院第一党支部"})
    assert response.status_code == 200
    assert "没有名称或编码为“甲学院第一党支部”的党组织（或不在您的查看范围内）。" in response.content.decode()
    world.unit_a.refresh_from_db()
    assert world.unit_a.parent == world.root
    assert client.get(reverse(SEARCH), {**search, "q": "甲", "moving": "x"}).status_code == 404


def test_the_member_search_offers_only_the_organizations_own_people(world, client_for):
    client = client_for(world.supervisor)
    page = client.get(reverse("orgs:organization_detail", args=[world.unit_a.pk])).content.decode()
    assert f"org={world.unit_a.pk}" in page
    assert '<select name="person"' not in page
    in_unit_a = people_found_with(client, "成员", {"scope": "directory.change", "org": world.unit_a.pk})
    assert in_unit_a == [world.member_person.pk]  # not 周成员 of unit B
    assert people_found(client, "成员", "directory.change") == [world.member_person.pk, world.member_b_person.pk]
    college = client_for(world.secretary_a)  # no directory.change: neither the form nor its search
    assert college.get(reverse(PERSON_SEARCH), {"scope": "directory.change", "org": world.unit_a.pk}).status_code == 404


def people_found_with(client, text: str, params: dict) -> list[int]:
    response = client.get(reverse(PERSON_SEARCH), {**params, "field": "q", "q": text})
    assert response.status_code == 200
    return [person.pk for person, _label in response.context["matches"]]


def test_without_javascript_a_member_of_another_unit_is_refused_and_a_namesake_too(world, client_for):
    from pangting.orgs.models import StudyGroupMember

    client = client_for(world.supervisor)
    url = reverse("orgs:member_add", args=[world.unit_a.pk])
    before = StudyGroupMember.objects.count()
    page = client.post(url, {"person_text": "周成员", "role": "member"}, follow=True).content.decode()
    assert "没有姓名或工号为“周成员”的人员（或不在您的查看范围内）。" in page
    assert StudyGroupMember.objects.count() == before
    newcomer = make_person("吴老师", world.unit_a, post="教授")
    make_person("吴老师", world.unit_a, post="讲师")
    page = client.post(url, {"person_text": "吴老师", "role": "member"}, follow=True).content.decode()
    assert "有多名人员与“吴老师”相符，请从搜索结果中选择，或输入工号。" in page
    client.post(url, {"person_text": newcomer.staff_no, "role": "member"})
    assert world.group_a.current_members().filter(person=newcomer).exists()


def test_a_conflict_is_recorded_for_a_person_the_user_sees_typed_or_chosen(world, client_for):
    """The conflict form sits beside the member form, prefixed `conflict-`; it searches everyone
    the user sees (a standing team's member is kept off a visit by a conflict too, R-O3)."""
    from pangting.orgs.models import ConflictOfInterest

    client = client_for(world.supervisor)
    page = client.get(reverse("orgs:organization_detail", args=[world.unit_b.pk])).content.decode()
    assert 'name="conflict-person_text"' in page and "scope=directory.view" in page
    url = reverse("orgs:conflict_add", args=[world.unit_b.pk])
    client.post(url, {"conflict-person_text": "王校领导", "conflict-reason": "曾任该院院长"})
    client.post(url, {"conflict-person": str(world.member_person.pk), "conflict-reason": "曾在该院任职"})
    assert {c.person for c in ConflictOfInterest.objects.filter(unit=world.unit_b)} == {
        world.leader_person,
        world.member_person,
    }
    page = client.post(url, {"conflict-person_text": "丁某", "conflict-reason": "亲属"}, follow=True).content.decode()
    assert "没有姓名或工号为“丁某”的人员（或不在您的查看范围内）。" in page
