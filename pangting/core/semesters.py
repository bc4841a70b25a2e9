"""Semesters: the one definition of their bounds, used by every app.

A year has two academic semesters, each counted in the calendar year it starts: spring
(1, 春季学期) and autumn (2, 秋季学期). By default spring runs February–August and autumn
September–January of the next year, as the seeds' school year does (R-O12, R-O13, R-B3).
A deployment whose terms start in other months sets `PANGTING_SEMESTER_START_MONTHS`
(the first month of spring and of autumn, e.g. `(3, 9)`); everything that talks about a
semester — visits, cross-observations, bulletins, ledgers, frequency and compliance
checks — reads the bounds from here, so an autumn bulletin and an autumn ledger cover
the same months.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext

SPRING, AUTUMN = 1, 2
SEMESTERS = (SPRING, AUTUMN)
DEFAULT_START_MONTHS = (2, 9)


def start_months() -> tuple[int, int]:
    """The first month of spring and of autumn (the setting, checked; (2, 9) by default)."""
    raw = getattr(settings, "PANGTING_SEMESTER_START_MONTHS", DEFAULT_START_MONTHS)
    try:
        spring, autumn = (int(m) for m in raw)
    except (TypeError, ValueError):
        raise ImproperlyConfigured("PANGTING_SEMESTER_START_MONTHS must be two month numbers.") from None
    if not 1 <= spring < autumn <= 12:
        raise ImproperlyConfigured("PANGTING_SEMESTER_START_MONTHS: spring must start before autumn, both in 1–12.")
    return spring, autumn


def semester_of(day: dt.date) -> tuple[int, int]:
    """(year the semester starts in, semester) of `day`: a day before spring starts is last autumn's."""
    spring, autumn = start_months()
    if day.month < spring:
        return day.year - 1, AUTUMN
    if day.month < autumn:
        return day.year, SPRING
    return day.year, AUTUMN


def _month_start(year: int, month: int) -> dt.date:
    """The first day of `month` of `year`, where month 13 is January of the next year."""
    return dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def semester_bounds(year: int, semester: int) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of `semester` of `year`."""
    spring, autumn = start_months()
    if semester == SPRING:
        return _month_start(year, spring), _month_start(year, autumn) - dt.timedelta(days=1)
    if semester == AUTUMN:
        return _month_start(year, autumn), _month_start(year, 12 + spring) - dt.timedelta(days=1)
    raise ValueError(f"Unknown semester {semester!r}.")


def semester_end(year: int, semester: int) -> dt.date:
    """The last day of `semester` of `year` (a check of "each semester" waits until it has passed)."""
    return semester_bounds(year, semester)[1]


def semester_label(year: int, semester: int) -> str:
    """ "2026年春季学期" / "2026年秋季学期"."""
    if semester == SPRING:
        return gettext("{year}年春季学期").format(year=year)
    return gettext("{year}年秋季学期").format(year=year)
