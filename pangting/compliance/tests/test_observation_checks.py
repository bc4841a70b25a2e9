"""Each observation check fires on a shortfall and stays silent when the work was done (R-O4 … R-O13).

Dates follow `pangting.observation.tests.scenes`: delivered 2026-09-28 (reply due 10-13),
session 2026-09-30 (record due 10-03, feedback due 10-20).
"""

from __future__ import annotations

import datetime as dt

import pytest

from pangting.observation import services as observation
from pangting.observation.models import Rectification, State
from pangting.observation.tests.scenes import session_on, travel, walk

from .builders import findings, signed

pytestmark = pytest.mark.django_db


def test_it_finds_nothing_for_a_visit_done_on_time(world):
    visit = walk(world, State.CLOSED)
    with travel("2026-09-30"):  # the reply's addressees signed for it (R-O4)
        signed(observation.reply_delivery(visit))
    for rule in ("R-O4", "R-O8", "R-O9", "R-O10"):
        assert findings(rule, today=dt.date(2026, 11, 23), unit=world.unit_a) == [], rule


def test_it_reports_a_reply_overdue(world):
    """R-O4: no reply by the stored reply_due (7 working days)."""
    visit = walk(world, State.NOTIFIED)
    assert findings("R-O4", today=dt.date(2026, 10, 13)) == []
    [finding] = findings("R-O4", today=dt.date(2026, 10, 20))
    assert (finding.key, finding.period, finding.severity) == (f"reply:{visit.pk}", "2026-H2", "red")


def test_it_reports_a_record_not_filed_in_three_days(world):
    """R-O8."""
    walk(world, State.OBSERVED)
    [finding] = findings("R-O8", today=dt.date(2026, 10, 10))
    assert finding.severity == "red" and finding.measured["due"] == "2026-10-03"


def test_it_reports_feedback_overdue(world):
    """R-O9: 10 working days."""
    walk(world, State.RECORDED)
    assert findings("R-O9", today=dt.date(2026, 10, 20)) == []
    [finding] = findings("R-O9", today=dt.date(2026, 10, 22))
    assert finding.severity == "amber" or finding.severity == "red"


def test_it_reports_an_overdue_rectification(world):
    """R-O10: open after its deadline."""
    visit = walk(world, State.RECTIFYING)
    item = Rectification.objects.filter(visit=visit).first()
    with travel("2026-10-20"):
        observation.plan_rectification(
            item, actor=world.secretary_a, measure="制定清单", owner=world.member_person, deadline=dt.date(2026, 10, 30)
        )
    assert findings("R-O10", today=dt.date(2026, 10, 30)) == []
    [finding] = findings("R-O10", today=dt.date(2026, 11, 2))
    assert (finding.key, finding.severity) == (f"rectification:{item.pk}", "amber")  # escalating, not red yet
    # 15 working days overdue is the last amber day; the 16th is red (R-O10 `red_after_days`)
    [finding] = findings("R-O10", today=dt.date(2026, 11, 20))
    assert finding.severity == "amber" and finding.measured["escalation"] == "supervisor"
    [finding] = findings("R-O10", today=dt.date(2026, 11, 23))
    assert finding.severity == "red" and finding.measured["escalation"] == "red"


def test_it_reports_units_not_observed_in_a_two_year_round_once_it_ended(world):
    """R-O11: unit A observed in 2026, unit B never."""
    walk(world, State.CLOSED)
    assert findings("R-O11", today=dt.date(2026, 12, 20)) == []
    found = findings("R-O11", today=dt.date(2027, 1, 5))
    assert [(f.unit_id, f.key) for f in found] == [(world.unit_b.pk, "round:2025-2026")]


def test_it_reports_a_semester_without_observation(world):
    """R-O12: judged once the semester has ended."""
    walk(world, State.CLOSED)
    spring = findings("R-O12", today=dt.date(2026, 11, 23), unit=world.unit_a)
    assert [f.period for f in spring] == ["2026-H1"]
    autumn = findings("R-O12", today=dt.date(2027, 2, 2), unit=world.unit_a)
    assert [f.period for f in autumn] == ["2026-H1"]


def test_it_reports_cross_observation_missing_and_a_late_report(world):
    """R-O13: unit A hosted unit B, who reported late; unit B hosted nobody, unit A visited nobody."""
    session = session_on(world, "2026-10-15")
    with travel("2026-10-01"):
        cross = observation.invite_cross_observation(
            world.unit_a, world.unit_b, actor=world.secretary_a, session=session
        )
    with travel("2026-10-25"):
        observation.report_cross_observation(cross, actor=world.secretary_b, report="列席情况报告。")
    found = {(f.unit_id, f.period, f.key, f.severity) for f in findings("R-O13", today=dt.date(2027, 2, 2))}
    assert (world.unit_b.pk, "2026-H2", f"report:{cross.pk}", "amber") in found
    assert (world.unit_a.pk, "2026-H2", "visited", "red") in found
    assert (world.unit_b.pk, "2026-H2", "hosted", "red") in found
    assert (world.unit_a.pk, "2026-H2", "hosted", "red") not in found
    assert (world.unit_b.pk, "2026-H2", "visited", "red") not in found
