"""The compliance checks and the current obligation (observation/obligations.py) agree (R-O4, R-O10).

A check reports "not done and overdue" exactly when the visit's current obligation is that step
and overdue: the to-dos, reminders and visit page read the same obligation.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pangting.observation import services
from pangting.observation.models import Rectification, State
from pangting.observation.obligations import current_obligation, rectification_obligation
from pangting.observation.tests.scenes import travel, walk

from .builders import findings

pytestmark = pytest.mark.django_db


def test_it_passes_a_rectifying_visit_from_the_unit_to_the_office_and_the_compliance_check_agrees(world):
    """R-O10: open item → the unit by its deadline (red once overdue); reported → the office verifies."""
    visit = walk(world, State.RECTIFYING)
    item = Rectification.objects.get(visit=visit)
    with travel("2026-10-20"):
        services.plan_rectification(
            item, actor=world.secretary_a, measure="建立清单", owner=world.member_person, deadline=dt.date(2026, 11, 2)
        )
    item.refresh_from_db()
    owed = rectification_obligation(item, dt.date(2026, 11, 3))
    assert (owed.step, owed.due, owed.overdue, owed.owner) == ("rectify", dt.date(2026, 11, 2), True, visit.unit)
    assert current_obligation(visit, dt.date(2026, 11, 3)) == owed  # the visit's next step is its item's
    assert [f.key for f in _findings("R-O10", dt.date(2026, 11, 3))] == [f"rectification:{item.pk}"]
    assert _findings("R-O10", dt.date(2026, 11, 2)) == []  # due today: owed, not overdue
    with travel("2026-11-03"):
        services.report_rectification(item, actor=world.secretary_a, report="已建立。")
    item.refresh_from_db()
    owed = rectification_obligation(item, dt.date(2026, 11, 3))
    assert (owed.step, owed.owner, owed.due) == ("verify", visit.supervisor_org, None)
    with travel("2026-11-04"):
        services.verify_rectification(item, actor=world.supervisor, accept=True)
    item.refresh_from_db()
    assert rectification_obligation(item) is None
    assert current_obligation(visit, dt.date(2026, 11, 5)).step == "close"


def test_the_reply_check_is_red_exactly_when_the_reply_obligation_is_overdue(world):
    """R-O4: the compliance check and the obligation agree on the day the reply becomes overdue."""
    visit = walk(world, State.NOTIFIED)  # reply due 2026-10-13
    for day in (dt.date(2026, 10, 13), dt.date(2026, 10, 14)):
        overdue = current_obligation(visit, day).overdue
        assert bool([f for f in _findings("R-O4", day) if f.key == f"reply:{visit.pk}"]) is overdue
    assert current_obligation(visit, dt.date(2026, 10, 14)).overdue


def _findings(rule_id, today):
    return findings(rule_id, today=today)
