"""The 三会一课 checks (R-B1 … R-B5) over unit A's branch."""

from __future__ import annotations

import datetime as dt

import pytest

from pangting.study import services as study
from pangting.study.models import PlanKind, SessionKind
from pangting.study.tests.builders import at

from .builders import filed_plan, findings, group_leader, travel

pytestmark = pytest.mark.django_db
JANUARY_DONE = dt.date(2026, 2, 2)


def meeting(w, kind, day, **fields):
    with travel(day - dt.timedelta(days=5)):
        session = study.create_session(
            actor=w.secretary_a, organization=w.branch_a, kind=kind, starts_at=at(day.year, day.month, day.day),
            ends_at=at(day.year, day.month, day.day) + dt.timedelta(hours=1), title="支部会议", place="活动室",
            agenda=[{"kind": "theory", "title": "学习党章"}], **fields,
        )  # fmt: skip
    with travel(day, 18):
        study.close_attendance(session, actor=w.secretary_a)
    return session


def january(w):
    for kind in (SessionKind.BRANCH_COMMITTEE, SessionKind.MEMBER_MEETING, SessionKind.BRANCH_STUDY):
        meeting(w, kind, dt.date(2026, 1, 15))


def test_it_finds_nothing_for_a_branch_that_met_and_filed_its_plan(world):
    filed_plan(world, world.branch_a, kind=PlanKind.BRANCH)
    january(world)
    for rule in ("R-B1", "R-B2", "R-B3", "R-B4", "R-B5"):
        assert findings(rule, today=JANUARY_DONE, unit=world.unit_a) == [], rule


def test_it_reports_a_month_without_a_committee_meeting(world):
    """R-B1: frequencies from the MeetingFrequencyRule rows (monthly)."""
    meeting(world, SessionKind.BRANCH_STUDY, dt.date(2026, 1, 15))
    [finding] = findings("R-B1", today=JANUARY_DONE, unit=world.unit_a)
    assert (finding.period, finding.key) == ("2026-01", "UA1:branch_committee:month")


def test_it_reports_a_quarter_without_a_member_meeting(world):
    """R-B2: 党员大会 once a quarter, also without party groups (2018 regulations, the migrated default)."""
    meeting(world, SessionKind.BRANCH_COMMITTEE, dt.date(2026, 1, 15))
    assert findings("R-B2", today=JANUARY_DONE, unit=world.unit_a) == []
    found = findings("R-B2", today=dt.date(2026, 4, 2), unit=world.unit_a)
    assert [(f.period, f.key) for f in found] == [("2026-Q1", "UA1:member_meeting:quarter")]
    meeting(world, SessionKind.MEMBER_MEETING, dt.date(2026, 3, 10))
    assert findings("R-B2", today=dt.date(2026, 4, 2), unit=world.unit_a) == []


def test_it_reports_a_quarter_without_a_party_lecture_and_a_semester_without_the_secretary(world):
    """R-B3."""
    january(world)
    found = findings("R-B3", today=dt.date(2026, 9, 2), unit=world.unit_a)
    assert {"2026-Q1", "2026-Q2"} <= {f.period for f in found if f.key.endswith("party_lecture:quarter")}
    assert [f.period for f in found if f.key == "secretary_lecture"] == ["2026-H1"]
    meeting(world, SessionKind.PARTY_LECTURE, dt.date(2026, 5, 12), lecturer_person=group_leader(world))
    found = findings("R-B3", today=dt.date(2026, 9, 2), unit=world.unit_a)
    assert [f.period for f in found if f.key == "secretary_lecture"] == []


def test_it_reports_a_month_without_branch_study(world):
    """R-B4."""
    meeting(world, SessionKind.BRANCH_COMMITTEE, dt.date(2026, 1, 15))
    assert [f.key for f in findings("R-B4", today=JANUARY_DONE, unit=world.unit_a)] == ["UA1:branch_study:month"]


def test_it_reports_an_unfiled_plan_and_a_branch_without_records(world):
    """R-B5: one finding for meetings not kept in the system, instead of one per month."""
    filed_plan(world)
    found = findings("R-B5", today=dt.date(2026, 4, 2), unit=world.unit_a)
    assert {(f.key, f.severity) for f in found} == {("UA1:plan", "red"), ("UA1:records", "red")}
    assert findings("R-B1", today=dt.date(2026, 4, 2), unit=world.unit_a) == []


def test_a_branch_is_its_nearest_units_whichever_units_a_run_checks(world):
    """R-B1 … R-B5 findings go to the branch's nearest unit. A run of some units only (the
    incremental run of a unit that changed, or one part of a run in parts) used to give the
    branches of a unit nested under one of them, but not in the run, to the outer unit."""
    from pangting.compliance import services
    from pangting.orgs.models import OrganizationKind
    from pangting.tests.builders import make_group, make_org

    nested = make_org("甲学院机关党总支", world.unit_a, kind=OrganizationKind.GENERAL_BRANCH, code="UA9")
    make_group(nested)
    make_org("甲学院机关第一支部", nested, kind=OrganizationKind.BRANCH, code="UA91")
    filed_plan(world)
    filed_plan(world, nested)  # records of the year: a unit without any is not checked
    assert nested in services.units_in_scope(world.unit_a)  # a unit of its own

    def keys(**scope):
        with travel(dt.date(2026, 4, 2), 12):
            found = services.compute(2026, rules=["R-B5"], **scope)
        return {(f.unit_id, f.key) for _rule, f in found}

    whole = keys()
    mine = {("UA1:plan", world.unit_a.pk), ("UA1:records", world.unit_a.pk)}
    theirs = {("UA91:plan", nested.pk), ("UA91:records", nested.pk)}
    assert {(key, unit) for unit, key in whole} >= mine | theirs
    assert {(key, unit) for unit, key in keys(units=[world.unit_a])} == mine
    assert {(key, unit) for unit, key in keys(units=[nested])} == theirs
    assert keys(units=[world.unit_a]) | keys(units=[nested]) == keys(unit=world.unit_a)
