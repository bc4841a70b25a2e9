"""The study rules as plain functions (domain.md R-S3, R-S10, R-B3; R-S8 is judged in pangting.analysis)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from pangting.lib.workdays import DayUnit
from pangting.study import rules


def test_it_counts_nine_of_ten_as_exactly_ninety_percent_and_passing():
    # R-S3: 9 of 10 is 90 % and passes; no floating-point rounding can make it 89.999…
    rate = rules.participation_rate(9, 10)
    assert rate == Fraction(9, 10)
    assert rules.meets_participation(rate, Fraction(9, 10)) is True
    assert rules.format_rate(rate) == "90%"


def test_it_fails_a_session_just_below_the_threshold():
    # R-S3: 26 of 29 is 89.7 %: below 90 %.
    rate = rules.participation_rate(26, 29)
    assert rules.meets_participation(rate, Fraction(9, 10)) is False
    assert rules.format_rate(rate) == "89.7%"


def test_it_has_no_rate_when_nobody_was_expected():
    assert rules.participation_rate(0, 0) is None
    assert rules.meets_participation(None, Fraction(9, 10)) is None
    assert rules.format_rate(None) == "—"


def test_it_puts_the_arrangement_deadline_two_calendar_days_before_the_session():
    # R-S10: "提前2天" for a meeting on the 25th means by the 23rd; the basis is stored.
    due, basis = rules.due_date(dt.date(2026, 11, 25), rules.DayRule(2, DayUnit.CALENDAR, before=True))
    assert due == dt.date(2026, 11, 23)
    assert basis["unit"] == "calendar" and basis["direction"] == "before"
    assert basis["text"] == "会前2天（自然日）"


def test_it_puts_the_report_deadline_two_calendar_days_after_the_session():
    due, basis = rules.due_date(dt.date(2026, 11, 27), rules.DayRule(2, DayUnit.CALENDAR, before=False))
    assert due == dt.date(2026, 11, 29)
    assert basis["text"] == "会后2天（自然日）内"


def test_it_counts_late_only_after_the_due_day():
    today = dt.date(2026, 11, 23)
    assert not rules.is_late(dt.date(2026, 11, 23), dt.date(2026, 11, 23), today)
    assert rules.is_late(dt.date(2026, 11, 24), dt.date(2026, 11, 23), today)
    assert rules.is_late(None, dt.date(2026, 11, 22), today)
    assert not rules.is_late(None, dt.date(2026, 11, 23), today)


def test_it_splits_the_year_into_academic_semesters_for_party_lectures():
    # R-B3: "each semester": spring 2–8月, autumn 9月–次年1月.
    spring, autumn = rules.periods_of_year(2026, "semester")
    assert (spring.start, spring.end) == (dt.date(2026, 2, 1), dt.date(2026, 8, 31))
    assert (autumn.start, autumn.end) == (dt.date(2026, 9, 1), dt.date(2027, 1, 31))
    assert len(rules.periods_of_year(2026, "month")) == 12
    assert rules.periods_of_year(2026, "quarter")[3].end == dt.date(2026, 12, 31)
