"""Issue 15: the 三会一课 and center-group frequencies (R-S2, R-B1 … R-B4) and the units' branch
summaries (R-B3, R-B5, R-B6) are counted in SQL, in the same queries however many organizations,
and the 三会一课 overview pages the tree instead of listing every organization."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pangting.core import paging
from pangting.core.system import system_actor
from pangting.orgs import services as org_services
from pangting.orgs.models import OrganizationKind, StudyGroupMember
from pangting.study import services
from pangting.study.models import SessionKind
from pangting.study.tests.builders import at, make_session
from pangting.tests.builders import make_group, make_org, make_person

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


def _held(org, kind, day, **fields):
    session = make_session(org, kind=kind, starts_at=at(day.year, day.month, day.day), **fields)
    services.close_attendance(session, actor=system_actor(), at=session.ends_at)
    return session


def _units(world, count):
    """`count` more units, each with a center group, one branch and a held committee meeting."""
    made = []
    for i in range(count):
        unit = make_org(f"第{i}学院党委", world.root, code=f"U{i}")
        make_group(unit, (make_person(f"成员{i}", unit, post="副院长"), StudyGroupMember.Role.MEMBER))
        branch = make_org(f"第{i}学院第一党支部", unit, kind=OrganizationKind.BRANCH, code=f"U{i}B")
        _held(branch, SessionKind.BRANCH_COMMITTEE, dt.date(2026, 3, 10))
        made += [unit, branch]
    return made


def _queries(call):
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return len(captured), result


def test_the_frequency_report_reads_the_same_three_queries_for_few_and_many_organizations(world):
    orgs = _units(world, 6)
    few, _ = _queries(lambda: services.frequency_report(orgs[:2], 2026, today=TODAY))
    many, many_results = _queries(lambda: services.frequency_report(orgs, 2026, today=TODAY))
    assert few == many == 3
    assert {r.organization.pk for r in many_results} == {o.pk for o in orgs}
    committee = next(r for r in many_results if r.organization == orgs[1] and r.rule.rule_code == "R-B1")
    assert [p.count for p in committee.periods[:4]] == [0, 0, 1, 0]  # R-B1: March only


def test_a_branch_counts_the_meetings_of_its_party_groups_and_a_unit_only_its_discussions(world):
    # R-B1 (党小组会 monthly, in a branch with party groups) and R-S2 (discussion only).
    branch = make_org("甲学院第二党支部", world.unit_a, kind=OrganizationKind.BRANCH, has_party_groups=True)
    group = make_org("第一党小组", branch, kind=OrganizationKind.PARTY_GROUP)
    _held(group, SessionKind.PARTY_GROUP_MEETING, dt.date(2026, 5, 6))
    _held(group, SessionKind.PARTY_GROUP_MEETING, dt.date(2026, 5, 20))
    _held(branch, SessionKind.PARTY_GROUP_MEETING, dt.date(2026, 6, 3))
    _held(world.unit_a, SessionKind.CENTER_GROUP, dt.date(2026, 5, 12))  # the standard agenda: 研讨 included
    _held(world.unit_a, SessionKind.CENTER_GROUP, dt.date(2026, 6, 9), agenda=[{"kind": "theory", "title": "集体学习"}])
    results = services.frequency_report([world.unit_a, branch], 2026, today=TODAY)
    meetings = next(r for r in results if r.organization == branch and r.rule.session_kind == "party_group_meeting")
    assert [p.count for p in meetings.periods[4:6]] == [2, 1]
    center = next(r for r in results if r.organization == world.unit_a)
    assert [p.count for p in center.periods[4:6]] == [1, 0]  # June met without discussion (R-S2)


def test_the_summaries_of_several_units_are_each_units_own_in_the_same_queries(world):
    # R-B3 the unit secretary's lectures, R-B5 the branches' plans, R-B6 training.
    head = make_person("吴书记", world.unit_a, post="党委书记")
    org_services.add_member(world.group_a, head, actor=system_actor(), role=StudyGroupMember.Role.LEADER)
    _held(
        world.branch_a, SessionKind.PARTY_LECTURE, dt.date(2026, 10, 20), lecturer_name=head.name, lecturer_person=head
    )
    second = make_org("乙学院第一党支部", world.unit_b, kind=OrganizationKind.BRANCH)
    make_org("乙学院第二党支部", world.unit_b, kind=OrganizationKind.BRANCH)
    trainee = make_person("支书乙", second, post="党支部书记")
    services.record_training(
        world.unit_b, actor=system_actor(), held_on=dt.date(2026, 4, 1), title="培训", trainees=[trainee]
    )
    one, _ = _queries(lambda: services.unit_branch_summaries([world.unit_a], 2026, today=TODAY))
    two, (a, b) = _queries(lambda: services.unit_branch_summaries([world.unit_a, world.unit_b], 2026, today=TODAY))
    assert one == two == 5
    assert ([p.count for p in a.secretary_lectures], a.branches, a.trainings) == ([0, 1], 1, 0)
    assert ([p.count for p in b.secretary_lectures], b.branches, b.trainings, b.trained_people) == ([0, 0], 2, 1, 1)
    assert services.unit_branch_summary(world.unit_b, 2026, today=TODAY) == b


def test_the_overview_pages_the_tree_in_the_same_queries_for_any_number_of_units(world, client, monkeypatch):
    monkeypatch.setattr(paging, "PER_PAGE", 4)
    client.force_login(world.supervisor)

    def page(number):
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/study/branches/", {"year": 2026, "page": number})
        assert response.status_code == 200
        return len(captured), response.content.decode()

    page(1)  # the first request after the login saves the session
    before, _ = page(1)
    _units(world, 4)
    after, first = page(1)
    assert after == before
    _, second = page(2)
    assert "第 1 / 3 页" in first and "第 2 / 3 页" in second
    assert first.count('data-testid="frequency"') == 1
    assert "第1学院党委" not in first and "第1学院党委" in second


def _summary(results):
    return {(r.organization.pk, r.rule.pk): tuple(p.count for p in r.periods) for r in results}


def test_a_page_of_organizations_and_a_whole_tree_count_the_same(world, monkeypatch):
    # A page is read by its organizations' ids, a whole tree (the rule checks) by its subtrees'
    # path prefixes: the counts must agree, party-group meetings under a branch included (R-B1).
    from pangting.orgs import paths
    from pangting.study.services import frequency

    orgs = _units(world, 3)
    branch = make_org("甲学院第二党支部", world.unit_a, kind=OrganizationKind.BRANCH, has_party_groups=True)
    group = make_org("第一党小组", branch, kind=OrganizationKind.PARTY_GROUP)
    _held(group, SessionKind.PARTY_GROUP_MEETING, dt.date(2026, 5, 6))
    _held(world.unit_a, SessionKind.CENTER_GROUP, dt.date(2026, 5, 12))
    listed = [world.root, world.unit_a, branch, *orgs]
    by_ids = frequency.frequency_report(listed, 2026, today=TODAY)
    monkeypatch.setattr(frequency, "IN_LIST_LIMIT", 0)
    by_subtrees = frequency.frequency_report(listed, 2026, today=TODAY)
    monkeypatch.setattr(paths, "FEW_PREFIXES", 0)  # the grouped form a province's units take
    by_lengths = frequency.frequency_report(listed, 2026, today=TODAY)
    assert _summary(by_ids) == _summary(by_subtrees) == _summary(by_lengths)
    assert any(sum(counts) for counts in _summary(by_ids).values())
    meetings = next(r for r in by_ids if r.organization == branch and r.rule.session_kind == "party_group_meeting")
    assert meetings.periods[4].count == 1


def test_a_page_that_starts_at_the_root_reads_its_own_organizations_sessions_only(world):
    """The overview's first page holds the province's own group: its report must not read every
    session of the tree beneath it (issue 15)."""
    _units(world, 3)
    with CaptureQueriesContext(connection) as captured:
        services.frequency_report([world.root], 2026, today=TODAY)
    sessions_query = next(q["sql"] for q in captured.captured_queries if "study_studysession" in q["sql"])
    assert "LIKE" not in sessions_query.upper()
