"""Working-day arithmetic on the official Chinese calendar, without Django.

A working day is a Monday–Friday that is not a public holiday, or a make-up workday (调休)
that falls on a weekend. The calendar is only trusted for the years it knows: a computation
that reaches into any other year raises `UnknownCalendarYear` instead of guessing
(conventions.md, "Working days").

Counting follows the usual reading of "within N working days": the start day is not
counted, and the deadline is the N-th working day after it. "Within N days" (calendar
days) is a different unit and is kept apart by `DayUnit`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from pangting.lib.messages import N_, Message


class DayUnit(enum.StrEnum):
    """The two units a deadline can be expressed in; never mix them."""

    WORKING = "working"
    CALENDAR = "calendar"


class UnknownCalendarYear(LookupError):
    """The calendar has not been entered for `year`; refusing to guess."""

    def __init__(self, year: int) -> None:
        super().__init__(year)
        self.year = year

    @property
    def message(self) -> Message:
        return Message(
            N_("{year}年的节假日安排尚未录入，无法计算工作日期限。请系统管理员先录入该年度日历。"),
            year=self.year,
        )

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class WorkCalendar:
    """Holidays and make-up workdays for a set of known years.

    `holidays` may include weekend days inside a holiday period; they are harmless.
    `makeup_workdays` are weekend days that are working days by official arrangement.
    """

    known_years: frozenset[int]
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    makeup_workdays: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def build(
        cls,
        known_years: Iterable[int],
        holidays: Iterable[dt.date] = (),
        makeup_workdays: Iterable[dt.date] = (),
    ) -> WorkCalendar:
        return cls(frozenset(known_years), frozenset(holidays), frozenset(makeup_workdays))

    def check_known(self, day: dt.date) -> None:
        if day.year not in self.known_years:
            raise UnknownCalendarYear(day.year)

    def is_working_day(self, day: dt.date) -> bool:
        self.check_known(day)
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `start` (the start day itself is not counted)."""
        if count < 0:
            raise ValueError("count must not be negative")
        day = start
        remaining = count
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (negative if `end` is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def add_days(start: dt.date, count: int, unit: DayUnit, calendar: WorkCalendar) -> dt.date:
    """The deadline `count` units after `start`, in working or calendar days."""
    if unit is DayUnit.WORKING:
        return calendar.add_working_days(start, count)
    return start + dt.timedelta(days=count)
