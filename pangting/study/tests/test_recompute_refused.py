"""Issue 10 item 6 for sessions (R-S10): a report deadline in working days that reaches a year not
yet in the calendar is refused with a note, and computed when the administrator enters the year."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import override_settings

from pangting.workdays.services import enter_year

from .builders import at, make_session

pytestmark = pytest.mark.django_db

WORKING_REPORT = override_settings(
    PANGTING_RULE_PARAMETERS={"R-S10": {"report_days_after": 2, "report_unit": "working"}}
)


@WORKING_REPORT
@time_machine.travel(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), tick=False)
def test_it_refuses_a_report_deadline_in_2027_with_a_note_then_computes_it_when_2027_is_entered(world):
    late_december = make_session(world.unit_a, starts_at=at(2026, 12, 31), actor=world.secretary_a)
    november = make_session(world.unit_a, starts_at=at(2026, 11, 25), actor=world.secretary_a)
    assert late_december.report_due is None
    assert late_december.arrangement_due == dt.date(2026, 12, 29)  # calendar days, never refused
    assert "2027年的节假日安排尚未录入" in late_december.report_due_basis["text"]  # shown beside the empty date
    rows_before = november.history.count()

    entered = enter_year(2027, holidays={dt.date(2027, 1, 1): "元旦"}, makeup_workdays={}, actor=world.sysadmin)

    late_december.refresh_from_db()
    november.refresh_from_db()
    assert late_december.report_due == dt.date(2027, 1, 5)  # (1-1 holiday) 1-4, 1-5
    assert late_december.report_due_basis["unit"] == "working"
    assert late_december.arrangement_due == dt.date(2026, 12, 29)
    assert entered.recomputed["study.sessions"] == 1
    assert november.history.count() == rows_before  # left alone
    assert late_december.history.first().history_user == world.sysadmin
