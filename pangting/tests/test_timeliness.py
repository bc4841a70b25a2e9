"""One definition of "on time" (`workdays.timeliness`), read by the bulletin, the dashboard and the checks."""

from __future__ import annotations

import datetime as dt

from pangting.study import rules
from pangting.workdays.timeliness import LATE, ON_TIME, OVERDUE, PENDING, classify, is_late, is_on_time

DUE = dt.date(2026, 10, 3)
TODAY = dt.date(2026, 10, 10)


def test_it_classifies_a_deadline_against_its_stored_due_date():
    assert classify(dt.date(2026, 10, 3), DUE, TODAY) == ON_TIME
    assert classify(dt.date(2026, 10, 4), DUE, TODAY) == LATE
    assert classify(None, DUE, TODAY) == OVERDUE
    assert classify(None, DUE, dt.date(2026, 10, 2)) == PENDING


def test_it_does_not_judge_a_record_without_a_due_date():
    # The bulletin used to count such a record as on time while the dashboard left it out.
    assert classify(dt.date(2026, 10, 3), None, TODAY) is None
    assert is_on_time(dt.date(2026, 10, 3), None) is False
    assert is_late(dt.date(2026, 10, 3), None, TODAY) is False
    assert rules.is_late(None, None, TODAY) is False
    assert is_on_time(dt.date(2026, 10, 3), DUE) and not is_on_time(None, DUE)
    assert rules.is_late(None, DUE, TODAY) and rules.is_late(dt.date(2026, 10, 4), DUE, TODAY)
