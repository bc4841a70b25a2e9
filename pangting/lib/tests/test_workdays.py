import datetime as dt

import chinese_calendar
import pytest

from pangting.lib.workdays import DayUnit, UnknownCalendarYear, WorkCalendar, add_days


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.build(range(2004, 2027), chinese_calendar.holidays, chinese_calendar.workdays)


def test_it_counts_seven_working_days_over_national_day_and_the_makeup_saturday(calendar):
    # R-O4: reply due 7 working days after a letter delivered on 2026-09-28.
    assert calendar.add_working_days(dt.date(2026, 9, 28), 7) == dt.date(2026, 10, 13)


def test_it_counts_ten_working_days_for_feedback(calendar):
    # R-O9: feedback due 10 working days after a session on 2026-09-30.
    assert calendar.add_working_days(dt.date(2026, 9, 30), 10) == dt.date(2026, 10, 20)


def test_it_treats_the_makeup_saturday_as_a_working_day(calendar):
    assert calendar.is_working_day(dt.date(2026, 10, 10))
    assert not calendar.is_working_day(dt.date(2026, 10, 1))
    assert not calendar.is_working_day(dt.date(2026, 10, 11))


def test_it_refuses_to_guess_an_unknown_year(calendar):
    with pytest.raises(UnknownCalendarYear) as excinfo:
        calendar.add_working_days(dt.date(2026, 12, 28), 7)
    assert excinfo.value.year == 2027
    assert "2027年" in str(excinfo.value)


def test_it_keeps_calendar_days_apart_from_working_days(calendar):
    start = dt.date(2026, 9, 28)
    assert add_days(start, 7, DayUnit.CALENDAR, calendar) == dt.date(2026, 10, 5)
    assert add_days(start, 7, DayUnit.WORKING, calendar) == dt.date(2026, 10, 13)


def test_it_agrees_with_the_library_on_every_known_day(calendar):
    day = dt.date(2004, 1, 1)
    while day.year < 2027:
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_it_counts_working_days_between_dates_in_both_directions(calendar):
    assert calendar.working_days_between(dt.date(2026, 9, 28), dt.date(2026, 10, 13)) == 7
    assert calendar.working_days_between(dt.date(2026, 10, 13), dt.date(2026, 9, 28)) == -7
