"""The checks of the rules never checked before: R-S7 per member, R-S13, R-S18, R-S19, R-S21,
R-B4 reflections, R-B6, R-B7, R-B8 — each with a passing and a failing case."""

from __future__ import annotations

import datetime as dt

import pytest

from pangting.core.system import system_actor
from pangting.study import services as study
from pangting.study.models import Attendance, SecretaryTraining, SelfStudyPlan, SessionKind
from pangting.study.tests.builders import at
from pangting.tests.builders import make_person

from .builders import filed_plan, findings, good_session, travel

pytestmark = pytest.mark.django_db
AFTER = dt.date(2026, 11, 23)
NEXT_YEAR = dt.date(2027, 1, 5)


def branch_meeting(w, kind, day, *, present=(), agenda=None):
    """A held meeting of branch A on `day`; `present` people are marked present, the rest absent."""
    with travel(day - dt.timedelta(days=5)):
        session = study.create_session(
            actor=w.secretary_a, organization=w.branch_a, kind=kind, starts_at=at(day.year, day.month, day.day),
            ends_at=at(day.year, day.month, day.day) + dt.timedelta(hours=1), title="支部会议", place="活动室",
            agenda=agenda or [{"kind": "theory", "title": "学习党章"}],
        )  # fmt: skip
    with travel(day, 18):
        for person in present:
            study.record_attendance(session, person, actor=w.secretary_a, status=Attendance.Status.PRESENT)
        study.close_attendance(session, actor=w.secretary_a)
    return session


# --- R-S7 per member -------------------------------------------------------------------------


def test_it_names_members_without_self_study_before_or_a_summary_after(world):
    """R-S7: per member present, after the configured days."""
    session = good_session(world, member_records=False)
    assert findings("R-S7", today=dt.date(2026, 10, 18), unit=world.unit_a) == []
    found = {f.key: f for f in findings("R-S7", today=AFTER, unit=world.unit_a)}
    assert set(found) == {f"selfstudy:{session.pk}", f"summary:{session.pk}"}
    assert "陈成员" in found[f"selfstudy:{session.pk}"].message
    assert world.member_person.pk in found[f"summary:{session.pk}"].measured["people"]
    with travel(AFTER):
        study.add_reflection(world.member_person, actor=world.member, title="小结", text="正文", session=session)
        # Self-study after the session does not count as preparing for it.
        study.add_self_study_record(
            world.member_person, actor=world.member, studied_on=dt.date(2026, 10, 20), material="补看", session=session
        )
    found = {f.key: f for f in findings("R-S7", today=AFTER, unit=world.unit_a)}
    assert world.member_person.pk in found[f"selfstudy:{session.pk}"].measured["people"]
    assert world.member_person.pk not in found[f"summary:{session.pk}"].measured["people"]


def test_it_checks_only_the_session_summary_when_per_member_is_off(world):
    """R-S7: `per_member` switches the per-member part off."""
    from pangting.core import parameters

    good_session(world, member_records=False)
    parameters.set_value("R-S7", "per_member", False, actor=system_actor())
    assert findings("R-S7", today=AFTER, unit=world.unit_a) == []


# --- R-S13 -----------------------------------------------------------------------------------


def test_it_reports_a_cadre_without_a_personal_plan_and_open_annual_tasks(world):
    """R-S13: red when no plan after the due date, amber when the year ended with tasks not completed."""
    filed_plan(world, world.unit_b)  # 2026 is a year the system is used for
    assert findings("R-S13", today=dt.date(2026, 3, 30), unit=world.unit_a) == []
    [missing] = findings("R-S13", today=dt.date(2026, 4, 2), unit=world.unit_a)
    assert (missing.key, missing.severity) == (f"plan:{world.member_person.pk}", "red")
    assert "陈成员" in missing.message
    with travel(dt.date(2026, 4, 3)):
        plan = study.save_self_study_plan(world.member_person, actor=world.member, year=2026, goals="研读原著")
    assert findings("R-S13", today=dt.date(2026, 12, 1), unit=world.unit_a) == []
    [tasks] = findings("R-S13", today=NEXT_YEAR, unit=world.unit_a)
    assert (tasks.key, tasks.severity) == (f"tasks:{world.member_person.pk}", "amber")
    SelfStudyPlan.objects.filter(pk=plan.pk).update(completed_on=dt.date(2026, 12, 20))
    assert findings("R-S13", today=NEXT_YEAR, unit=world.unit_a) == []


# --- R-S18 / R-B6 ----------------------------------------------------------------------------


def test_it_reports_study_secretaries_not_trained_in_the_year(world):
    """R-S18: judged when the year is over; a training above the unit counts for the units of its trainees."""
    filed_plan(world, world.unit_b)  # 2026 is a year the system is used for
    assert findings("R-S18", today=dt.date(2026, 12, 30)) == []
    assert {(f.unit_id, f.key) for f in findings("R-S18", today=NEXT_YEAR)} == {
        (world.unit_a.pk, "training"),
        (world.unit_b.pk, "training"),
    }
    with travel(dt.date(2026, 6, 1)):
        study.record_training(
            world.root, actor=system_actor(), held_on=dt.date(2026, 5, 20), title="学习秘书培训",
            trainees=[world.secretary_a_person], audience=SecretaryTraining.Audience.STUDY_SECRETARIES,
        )  # fmt: skip
    assert [f.unit_id for f in findings("R-S18", today=NEXT_YEAR)] == [world.unit_b.pk]


def test_it_reports_a_unit_that_trained_no_branch_secretary(world):
    """R-B6: units with branches only; a study-secretary training does not count."""
    filed_plan(world, world.unit_b)  # 2026 is a year the system is used for
    with travel(dt.date(2026, 6, 1)):
        study.record_training(
            world.unit_a, actor=system_actor(), held_on=dt.date(2026, 5, 20), title="学习秘书培训",
            audience=SecretaryTraining.Audience.STUDY_SECRETARIES,
        )  # fmt: skip
    [missing] = findings("R-B6", today=NEXT_YEAR)
    assert (missing.unit_id, missing.key, missing.severity) == (world.unit_a.pk, "training", "red")
    with travel(dt.date(2026, 6, 1)):
        study.record_training(world.unit_a, actor=system_actor(), held_on=dt.date(2026, 4, 18), title="支部书记培训")
    assert findings("R-B6", today=NEXT_YEAR) == []


# --- R-S19 -----------------------------------------------------------------------------------


def test_it_follows_study_outcomes_and_their_conversion(world):
    """R-S19: an outcome a year, its conversion followed until converted."""
    filed_plan(world, world.unit_b)  # 2026 is a year the system is used for
    found = findings("R-S19", today=NEXT_YEAR)
    assert {(f.unit_id, f.key) for f in found} == {(world.unit_a.pk, "outcomes"), (world.unit_b.pk, "outcomes")}
    with travel(dt.date(2026, 6, 15)):
        outcome = study.record_outcome(
            world.unit_a, actor=world.secretary_a, title="产教融合三项举措", conversion_due=dt.date(2026, 11, 30)
        )
    assert findings("R-S19", today=dt.date(2026, 11, 30), unit=world.unit_a) == []
    [overdue] = findings("R-S19", today=dt.date(2026, 12, 1), unit=world.unit_a)
    assert (overdue.key, overdue.severity) == (f"outcome:{outcome.pk}", "amber")
    assert "产教融合三项举措" in overdue.message
    with travel(dt.date(2026, 12, 2)):
        study.record_conversion(outcome, actor=world.secretary_a, converted_on=dt.date(2026, 12, 2), note="已推行")
    assert findings("R-S19", today=NEXT_YEAR, unit=world.unit_a) == []


# --- R-S21 -----------------------------------------------------------------------------------


def test_it_reports_a_session_plan_that_names_no_research(world):
    """R-S21: who researched what before the session."""
    session = good_session(world, member_records=False)
    [missing] = findings("R-S21", today=AFTER, unit=world.unit_a)
    assert (missing.key, missing.period, missing.severity) == (f"research:{session.pk}", "2026-10", "amber")
    with travel(AFTER):
        study.add_research(
            session, actor=world.secretary_a, person=world.member_person, researcher_name="",
            topic="实训基地建设情况", done_on=dt.date(2026, 10, 8),
        )  # fmt: skip
    assert findings("R-S21", today=AFTER, unit=world.unit_a) == []


# --- R-B4 reflections ------------------------------------------------------------------------


def test_it_names_members_without_a_reflection_after_the_thematic_discussion(world):
    """R-B4: members present at the quarter's 专题研讨 write a reflection."""
    party_member = make_person("王党员", world.branch_a, post="教师")
    discussion = [{"kind": "theory", "title": "学习"}, {"kind": "discussion", "title": "专题研讨"}]
    session = branch_meeting(
        world, SessionKind.BRANCH_STUDY, dt.date(2026, 3, 10), present=[party_member], agenda=discussion
    )
    reflections = [f for f in findings("R-B4", today=dt.date(2026, 4, 2), unit=world.unit_a) if "reflections" in f.key]
    assert [(f.key, f.period) for f in reflections] == [(f"reflections:{session.pk}", "2026-03")]
    assert "王党员" in reflections[0].message
    with travel(dt.date(2026, 3, 12)):
        study.add_reflection(party_member, actor=world.secretary_a, title="体会", text="正文", session=session)
    assert [f for f in findings("R-B4", today=dt.date(2026, 4, 2), unit=world.unit_a) if "reflections" in f.key] == []


# --- R-B7 ------------------------------------------------------------------------------------


def test_it_follows_a_cadres_attendance_at_his_own_branch(world):
    """R-B7 双重组织生活: a quarter without attending his branch; his branch not recorded at all."""
    branch_meeting(world, SessionKind.BRANCH_COMMITTEE, dt.date(2026, 1, 15))
    [unknown] = findings("R-B7", today=dt.date(2026, 4, 2), unit=world.unit_a)
    assert unknown.key == f"cadre:{world.member_person.pk}:branch"
    study.assign_cadre_branch(world.member_person, world.branch_a, actor=system_actor(), since=dt.date(2026, 1, 1))
    [missed] = findings("R-B7", today=dt.date(2026, 4, 2), unit=world.unit_a)
    assert (missed.key, missed.period) == (f"cadre:{world.member_person.pk}", "2026-Q1")
    # He is on the branch's expected list now (the cadre of the branch), and attends.
    branch_meeting(world, SessionKind.THEME_DAY, dt.date(2026, 2, 10), present=[world.member_person])
    assert findings("R-B7", today=dt.date(2026, 4, 2), unit=world.unit_a) == []


# --- R-B8 ------------------------------------------------------------------------------------


def test_it_reports_a_month_without_a_theme_day(world):
    """R-B8 主题党日 monthly (the rule row the 2018-regulations migration adds)."""
    branch_meeting(world, SessionKind.BRANCH_COMMITTEE, dt.date(2026, 1, 15))
    [missed] = findings("R-B8", today=dt.date(2026, 2, 2), unit=world.unit_a)
    assert (missed.period, missed.key, missed.severity) == ("2026-01", "UA1:theme_day:month", "red")
    branch_meeting(world, SessionKind.THEME_DAY, dt.date(2026, 1, 20))
    assert findings("R-B8", today=dt.date(2026, 2, 2), unit=world.unit_a) == []


# --- R-S20 -----------------------------------------------------------------------------------


def test_it_reports_a_session_whose_列席_people_were_not_recorded(world):
    """R-S20: the participants note names 列席 people, the attendance must record them (outside the rate)."""
    session = good_session(world, participants_note="中心组成员；各党支部书记列席")
    [missing] = findings("R-S20", today=AFTER, unit=world.unit_a)
    assert (missing.key, missing.severity) == (f"observers:{session.pk}", "amber")
    with travel(AFTER):
        study.add_observer(session, make_person("支部书记", world.branch_a), actor=world.secretary_a)
    assert findings("R-S20", today=AFTER, unit=world.unit_a) == []
