"""Annual plans (R-S1, R-S5, R-B5), 三会一课 frequencies (R-B1 … R-B4), lectures (R-B3), training (R-B6)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404

from pangting.core.system import system_actor
from pangting.orgs import services as org_services
from pangting.orgs.models import OrganizationKind, StudyGroupMember
from pangting.study import services
from pangting.study.models import AgendaItem, PlanKind, SessionKind, StudyPlan
from pangting.study.tests.builders import approved, at, make_session
from pangting.tests.builders import make_org, make_person

pytestmark = pytest.mark.django_db


def _plan(world, **kw):
    """A plan the group leader has approved (R-S15), ready to be submitted."""
    return approved(
        services.create_plan(
            world.unit_a,
            actor=world.secretary_a,
            year=2026,
            themes=[{"period_kind": "month", "period": 11, "theme": "学习贯彻党的二十届四中全会精神"}],
            **kw,
        )
    )


def test_it_dates_the_annual_plan_at_the_end_of_january_and_refuses_a_second_one(world):
    plan = _plan(world)
    assert plan.due_on == dt.date(2026, 1, 31)
    assert plan.title == "甲学院党委2026年度中心组年度学习计划"
    with pytest.raises(ValidationError, match="已有2026年度"):
        _plan(world)


def test_it_lets_the_secretary_submit_and_only_the_supervisor_acknowledge(world):
    # R-S1: drafted, submitted to and acknowledged by the supervisor.
    plan = _plan(world)
    with time_machine.travel(at(2026, 1, 20, 9), tick=False):
        services.transition_plan(plan, StudyPlan.Status.SUBMITTED, actor=world.secretary_a)
    with pytest.raises(ValidationError, match="不能重复报送"):
        services.transition_plan(plan, StudyPlan.Status.SUBMITTED, actor=world.secretary_a)
    with pytest.raises(Http404):  # the step's permission comes first: not found, nothing revealed
        services.transition_plan(plan, StudyPlan.Status.ACKNOWLEDGED, actor=world.secretary_a)
    plan = services.transition_plan(plan, StudyPlan.Status.ACKNOWLEDGED, actor=world.supervisor)
    assert plan.status == StudyPlan.Status.ACKNOWLEDGED
    assert not plan.is_late


def test_it_shows_a_plan_filed_after_the_due_date_as_late(world):
    plan = _plan(world)
    with time_machine.travel(at(2026, 2, 10, 9), tick=False):
        plan = services.transition_plan(plan, StudyPlan.Status.SUBMITTED, actor=world.secretary_a)
    assert plan.is_late


def test_it_lets_the_supervisor_return_a_plan_with_a_reason(world):
    plan = services.transition_plan(_plan(world), StudyPlan.Status.SUBMITTED, actor=world.secretary_a)
    with pytest.raises(ValidationError, match="退回原因"):
        services.transition_plan(plan, StudyPlan.Status.RETURNED, actor=world.supervisor)
    plan = services.transition_plan(plan, StudyPlan.Status.RETURNED, actor=world.supervisor, reason="专题不够具体")
    services.update_plan(plan, actor=world.secretary_a, title=plan.title, themes=[{"period": 3, "theme": "两会精神"}])
    with pytest.raises(ValidationError, match="R-S15"):  # the changed plan is approved again first
        services.transition_plan(plan, StudyPlan.Status.SUBMITTED, actor=world.secretary_a)
    approved(plan)
    assert services.transition_plan(plan, StudyPlan.Status.SUBMITTED, actor=world.secretary_a).status == "submitted"


def test_it_counts_a_session_on_a_plan_theme_as_thematic(world):
    # R-S5
    theme = _plan(world).themes.get()
    session = make_session(world.unit_a, plan_theme=theme)
    assert services.session_facts(session).is_thematic


def test_it_reports_whether_the_group_leader_led_the_study(world):
    # R-S12
    head = make_person("吴书记", world.unit_a, post="党委书记")
    org_services.add_member(world.group_a, head, actor=system_actor(), role=StudyGroupMember.Role.LEADER)
    assert services.session_facts(make_session(world.unit_a, led_by=head)).led_by_secretary
    assert not services.session_facts(make_session(world.unit_a, led_by=world.member_person)).led_by_secretary


def test_it_files_branch_plans_only_for_branches(world):
    # R-B5
    with pytest.raises(ValidationError, match="由党支部制定"):
        services.create_plan(world.unit_a, actor=system_actor(), year=2026, kind=PlanKind.BRANCH)
    plan = services.create_plan(world.branch_a, actor=system_actor(), year=2026, kind=PlanKind.BRANCH)
    assert plan.kind == PlanKind.BRANCH


def _held(org, kind, day, agenda=None):
    session = make_session(org, kind=kind, starts_at=at(day.year, day.month, day.day), agenda=agenda)
    services.close_attendance(session, actor=system_actor(), at=session.ends_at)
    return session


def test_it_checks_three_meetings_and_one_lecture_against_the_frequency_rules(world):
    # R-B1 monthly committee; R-B2 member meeting quarterly (2018 regulations); R-B4 quarterly discussion.
    for month in (1, 2, 3):
        _held(world.branch_a, SessionKind.BRANCH_COMMITTEE, dt.date(2026, month, 10))
    _held(world.branch_a, SessionKind.MEMBER_MEETING, dt.date(2026, 1, 12))
    discussion = [{"kind": AgendaItem.Kind.DISCUSSION, "title": "专题研讨"}]
    _held(world.branch_a, SessionKind.BRANCH_STUDY, dt.date(2026, 2, 12), agenda=discussion)
    results = {
        (r.rule.rule_code, r.rule.session_kind, r.rule.period, r.rule.requires_agenda_kind): r
        for r in services.frequency_report([world.branch_a], 2026, today=dt.date(2026, 4, 15))
    }
    committee = results[("R-B1", "branch_committee", "month", "")]
    assert [p.ok for p in committee.periods[:4]] == [True, True, True, None]
    members = results[("R-B2", "member_meeting", "quarter", "")]
    assert [p.ok for p in members.periods[:2]] == [True, None]
    assert ("R-B2", "member_meeting", "month", "") not in results  # the migrated default is quarterly
    thematic = results[("R-B4", "branch_study", "quarter", "discussion")]
    assert thematic.periods[0].ok is True


def test_it_asks_a_branch_with_party_groups_for_quarterly_member_meetings(world):
    branch = make_org("甲学院第二党支部", world.unit_a, kind=OrganizationKind.BRANCH, has_party_groups=True)
    codes = {(r.rule.session_kind, r.rule.period) for r in services.frequency_report([branch], 2026)}
    assert ("member_meeting", "quarter") in codes
    assert ("party_group_meeting", "month") in codes
    assert ("member_meeting", "month") not in codes


def test_it_counts_party_lectures_by_the_unit_secretary_each_semester_and_secretary_training(world):
    # R-B3, R-B6
    head = make_person("吴书记", world.unit_a, post="党委书记")
    org_services.add_member(world.group_a, head, actor=system_actor(), role=StudyGroupMember.Role.LEADER)
    lecture = make_session(
        world.branch_a, kind=SessionKind.PARTY_LECTURE, starts_at=at(2026, 5, 20), lecturer_name=head.name,
        lecturer_person=head,
    )  # fmt: skip
    services.close_attendance(lecture, actor=system_actor(), at=lecture.ends_at)
    branch_secretary = make_person("支书甲", world.branch_a, post="党支部书记")
    services.record_training(
        world.unit_a, actor=system_actor(), held_on=dt.date(2026, 4, 1), title="书记培训", trainees=[branch_secretary]
    )
    with pytest.raises(ValidationError, match="不属于甲学院党委"):
        services.record_training(
            world.unit_a,
            actor=system_actor(),
            held_on=dt.date(2026, 4, 1),
            title="培训",
            trainees=[world.member_b_person],
        )
    summary = services.unit_branch_summary(world.unit_a, 2026, today=dt.date(2026, 11, 23))
    assert [p.count for p in summary.secretary_lectures] == [1, 0]
    assert (summary.trainings, summary.trained_people, summary.branches) == (1, 1, 1)
