"""R-S14: the unit's study archive for the year keeps every required item (pass and fail)."""

from __future__ import annotations

import datetime as dt

import pytest

from pangting.compliance.tests.builders import filed_plan, findings, good_session
from pangting.core import parameters
from pangting.core.system import system_actor
from pangting.study.models import Attachment, StudySession

pytestmark = pytest.mark.django_db

LATER = dt.date(2026, 12, 1)  # more than the 14 days' filing time after 15 October


def test_it_passes_a_year_whose_plan_and_sessions_are_all_archived(world):
    good_session(world)  # R-S14: filed plan, agenda, confirmed attendance, minutes, speeches
    assert findings("R-S14", today=LATER, unit=world.unit_a) == []


def test_it_finds_a_session_without_minutes_and_names_it(world):
    session = good_session(world, summary="")
    (finding,) = findings("R-S14", today=LATER, unit=world.unit_a)
    assert (finding.period, finding.key, finding.severity) == ("2026", "archive", "amber")
    assert "会议记录/纪要" in finding.message
    assert finding.measured["missing"] == [["minutes", session.pk]]
    assert [e.pk for e in finding.evidence] == [session.pk]


def test_it_accepts_an_uploaded_record_instead_of_the_minutes_text(world):
    session = good_session(world, summary="")
    Attachment.objects.create(
        session=session, kind=Attachment.Kind.MINUTES, file="x.pdf", original_name="纪要.pdf", size=1
    )
    assert findings("R-S14", today=LATER, unit=world.unit_a) == []


def test_it_finds_unconfirmed_attendance_and_missing_speeches(world):
    session = good_session(world, close=False, speakers=[])
    (finding,) = findings("R-S14", today=LATER, unit=world.unit_a)
    assert sorted(item for item, _pk in finding.measured["missing"]) == ["attendance", "minutes", "speeches"]
    assert {pk for _item, pk in finding.measured["missing"]} == {session.pk}


def test_it_waits_for_the_filing_time_after_a_session(world):
    good_session(world, summary="")
    assert findings("R-S14", today=dt.date(2026, 10, 25), unit=world.unit_a) == []  # 10 days < 14
    assert findings("R-S14", today=dt.date(2026, 10, 30), unit=world.unit_a) != []


def test_it_is_red_when_the_years_plan_is_missing_after_its_due_date(world):
    filed_plan(world)  # unit A's plan makes 2026 a year the system is used for; unit B has none
    (finding,) = findings("R-S14", today=dt.date(2026, 3, 1), unit=world.unit_b)
    assert finding.severity == "red"
    assert finding.measured["missing"] == [["annual_plan", None]]
    assert findings("R-S14", today=dt.date(2026, 1, 20), unit=world.unit_b) == []  # not yet due


def test_its_items_are_a_parameter(world):
    session = good_session(world)  # no arrangement required by default; the report was sent
    StudySession.objects.filter(pk=session.pk).update(report_submitted_at=None)
    assert findings("R-S14", today=LATER, unit=world.unit_a) == []
    parameters.set_value("R-S14", "items", "annual_plan,agenda,report", actor=system_actor(), note="test")
    (finding,) = findings("R-S14", today=LATER, unit=world.unit_a)
    assert finding.measured["missing"] == [["report", session.pk]]


def test_a_filed_plan_alone_is_a_complete_archive_before_any_session(world):
    filed_plan(world)
    assert findings("R-S14", today=dt.date(2026, 3, 1), unit=world.unit_a) == []
