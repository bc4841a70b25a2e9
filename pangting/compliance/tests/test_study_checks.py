"""Each study check fires on a shortfall and stays silent on compliant data (R-S1 … R-S12)."""

from __future__ import annotations

import datetime as dt

import pytest

from pangting.compliance import services
from pangting.core.system import system_actor
from pangting.study import services as study
from pangting.study.models import AgendaItem, Attendance, StudySession
from pangting.study.tests.builders import at

from .builders import filed_plan, findings, good_session, signed, travel

pytestmark = pytest.mark.django_db
AFTER = dt.date(2026, 11, 23)
RULES = ["R-S3", "R-S4", "R-S5", "R-S6", "R-S7", "R-S8", "R-S9", "R-S10", "R-S11", "R-S12"]


def test_it_finds_nothing_in_a_compliant_session(world):
    good_session(world)
    for rule in RULES:
        assert findings(rule, today=AFTER, unit=world.unit_a) == [], rule


def test_it_finds_nothing_for_a_year_without_data(world):
    """Bad input: a period with no data is empty, not an error."""
    good_session(world)
    with travel(AFTER):
        assert services.compute(1999) == []
        assert services.run_checks(1999, actor=system_actor()).counts == {"new": 0, "still": 0, "resolved": 0}


def test_it_reports_a_missing_annual_plan_once_due_and_a_late_one_in_amber(world):
    """R-S1 (unit B's plan makes 2026 a year the system is used for)."""
    filed_plan(world, world.unit_b)
    assert findings("R-S1", today=dt.date(2026, 1, 20), unit=world.unit_a) == []
    [missing] = findings("R-S1", today=dt.date(2026, 2, 2), unit=world.unit_a)
    assert (missing.severity, missing.period, missing.key) == ("red", "2026", "plan")
    plan = filed_plan(world)
    assert findings("R-S1", today=AFTER, unit=world.unit_a) == []
    type(plan).objects.filter(pk=plan.pk).update(submitted_at=at(2026, 2, 10))
    [late] = findings("R-S1", today=AFTER, unit=world.unit_a)
    assert late.severity == "amber" and late.evidence[0].pk == plan.pk


def test_it_reports_an_ended_month_without_a_session(world):
    """R-S2: one held session a month; the running month is not judged."""
    good_session(world, dt.date(2026, 10, 15))
    months = {f.period for f in findings("R-S2", today=dt.date(2026, 11, 5), unit=world.unit_a)}
    assert "2026-10" not in months and "2026-09" in months and "2026-11" not in months


def test_it_reports_participation_below_the_threshold(world):
    """R-S3: 1 present of 2 expected is 50 %."""
    session = good_session(world, present=False)
    session.attendances.filter(person=world.member_person).update(status=Attendance.Status.PRESENT)
    [low] = [f for f in findings("R-S3", today=AFTER, unit=world.unit_a) if f.key.startswith("session:")]
    assert low.severity == "red" and low.measured["expected"] >= 2


def test_it_reports_leave_without_makeup(world):
    """R-S3: leave is followed by make-up study within the configured days."""
    session = good_session(world)
    session.attendances.filter(person=world.member_person).update(status=Attendance.Status.LEAVE, leave_reason="出差")
    [pending] = [f for f in findings("R-S3", today=AFTER, unit=world.unit_a) if f.key.startswith("makeup:")]
    assert pending.key == f"makeup:{session.pk}" and pending.severity == "amber"
    assert not [f for f in findings("R-S3", today=dt.date(2026, 10, 20)) if f.key.startswith("makeup:")]


def test_it_reports_a_session_without_a_first_agenda_item(world):
    """R-S4."""
    agenda = [
        {"kind": AgendaItem.Kind.THEORY, "title": "集中学习"},
        {"kind": AgendaItem.Kind.DISCUSSION, "title": "研讨"},
    ]
    session = good_session(world, agenda=agenda)
    [finding] = findings("R-S4", today=AFTER, unit=world.unit_a)
    assert (finding.key, finding.period, finding.evidence[0].pk) == (f"session:{session.pk}", "2026-10", session.pk)


def test_it_reports_a_session_off_the_plan(world):
    """R-S5."""
    good_session(world, plan_theme=None)
    assert [f.severity for f in findings("R-S5", today=AFTER, unit=world.unit_a)] == ["amber"]


def test_it_reports_speakers_without_written_material(world):
    """R-S6."""
    good_session(world, speakers=[{"person": world.member_person, "outline": "提纲", "written_text": ""}])
    assert [f.severity for f in findings("R-S6", today=AFTER, unit=world.unit_a)] == ["red"]


def test_it_reports_a_session_without_a_summary(world):
    """R-S7: only after the configured days."""
    session = good_session(world, summary="", member_records=False)  # nobody's summary either
    assert findings("R-S7", today=dt.date(2026, 10, 18), unit=world.unit_a) == []
    assert f"session:{session.pk}" in {f.key for f in findings("R-S7", today=AFTER, unit=world.unit_a)}


def test_it_reports_an_invited_lecturer_not_vetted(world):
    """R-S9: pending vetting once the session has taken place; approved before it from outside the unit is fine."""
    session = good_session(world, lecturer_name="外请专家", lecturer_post="省委党校")
    assert len(findings("R-S9", today=AFTER, unit=world.unit_a)) == 1
    study.vet_lecturer(
        session, actor=world.supervisor, approved=True, note="授课提纲已审", at=session.starts_at - dt.timedelta(days=2)
    )
    assert findings("R-S9", today=AFTER, unit=world.unit_a) == []


def test_it_reports_a_report_never_sent_in_red_and_a_late_one_in_amber(world):
    """R-S10: against the stored `report_due`."""
    session = good_session(world, report=False)
    [missing] = findings("R-S10", today=AFTER, unit=world.unit_a)
    assert (missing.key, missing.severity) == (f"report:{session.pk}", "red")
    with travel(session.report_due + dt.timedelta(days=2)):
        signed(study.send_report(session, actor=world.secretary_a))
    [late] = findings("R-S10", today=AFTER, unit=world.unit_a)
    assert late.severity == "amber" and late.measured["due"] == session.report_due.isoformat()


def test_it_reports_a_session_postponed_twice(world):
    """R-S11: more than one postponement."""
    session = good_session(world, dt.date(2026, 11, 30), close=False)
    with travel(dt.date(2026, 11, 20)):
        for days in (7, 14):
            start = at(2026, 11, 30) + dt.timedelta(days=days)
            study.reschedule_session(
                StudySession.objects.get(pk=session.pk), actor=world.secretary_a, starts_at=start,
                ends_at=start + dt.timedelta(hours=2), reason="冲突",
            )  # fmt: skip
    [finding] = findings("R-S11", today=AFTER, unit=world.unit_a)
    assert finding.measured["postponements"] == 2 and finding.severity == "amber"


def test_it_reports_a_low_share_of_sessions_led_by_the_secretary(world):
    """R-S12: led by someone else than the group leader."""
    good_session(world, led_by=world.member_person)
    [finding] = findings("R-S12", today=AFTER, unit=world.unit_a)
    assert (finding.period, finding.key, finding.severity) == ("2026", "share", "red")
