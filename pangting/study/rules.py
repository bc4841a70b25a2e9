"""The study rules as plain functions over plain values (no queries), so each is easy to test.

Rule IDs refer to ../shared/domain.md. The numbers come from `StudyParameters`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext

from pangting.core.semesters import SEMESTERS, semester_bounds, semester_label
from pangting.lib.workdays import DayUnit
from pangting.workdays import timeliness

FIRST_ITEM = "first_item"
DISCUSSION = "discussion"


def has_discussion(agenda_kinds: list[str], speech_count: int) -> bool:
    """R-S2 (corrected): a session counts as collective discussion (研讨交流) when it had
    speeches or a discussion agenda item, not merely because it met."""
    return speech_count > 0 or DISCUSSION in agenda_kinds


OBSERVER = "observer"  # Attendance.Role.OBSERVER (列席)
LEAVE = "leave"  # Attendance.Status.LEAVE


def counts_for_rate(role: str) -> bool:
    """R-S20: only the group's own people count in the participation rate, not 列席 people."""
    return role != OBSERVER


def needs_makeup(status: str, makeup_done_on: dt.date | None, role: str) -> bool:
    """R-S3: leave is followed by make-up study (members only: 列席 is an invitation)."""
    return status == LEAVE and makeup_done_on is None and counts_for_rate(role)


def months_before(earlier: dt.date, later: dt.date) -> int:
    """Whole months from `earlier` to `later` (R-S4: how old the studied speech is on the day)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return months


def is_written(text: str, has_file: bool, min_chars: int) -> bool:
    """R-S6: written speech material is an uploaded file or a text of at least `min_chars` characters."""
    return has_file or len("".join(text.split())) >= min_chars


def participation_rate(present: int, expected: int) -> Fraction | None:
    """R-S3: present ÷ expected, exactly (None when nobody was expected)."""
    if expected <= 0:
        return None
    return Fraction(present, expected)


def meets_participation(rate: Fraction | None, threshold: Fraction) -> bool | None:
    """R-S3: at least the threshold; compared as fractions, so 9 of 10 is exactly 90 % and passes."""
    if rate is None:
        return None
    return rate >= threshold


def format_rate(rate: Fraction | None) -> str:
    """A rate as people write it: 90%, 83.3%, or — when nobody was expected."""
    if rate is None:
        return "—"
    percent = rate * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    return f"{float(percent):.1f}%"


@dataclass(frozen=True)
class DayRule:
    """A due date relative to a day: `amount` days (of `unit`) before or after it."""

    amount: int
    unit: DayUnit
    before: bool

    def describe(self) -> str:
        """会前2个工作日 / 会后3天（自然日）内, in the active language."""
        from pangting.workdays.services import describe_relative

        return describe_relative(self.amount, self.unit, before=self.before)


def due_date(day: dt.date, rule: DayRule) -> tuple[dt.date, dict[str, Any]]:
    """The due date and the basis to store beside it (conventions.md: store what it came from).

    Before the session: the form must arrive no later than `amount` days before the meeting
    day ("提前2天": by the 8th for a meeting on the 10th). After: no later than `amount`
    days after it (the start day not counted, as in `compute_deadline`).
    """
    from pangting.workdays.services import compute_deadline, get_calendar

    if rule.unit is DayUnit.CALENDAR:
        delta = dt.timedelta(days=rule.amount)
        due = day - delta if rule.before else day + delta
        revisions: dict[str, int] = {}
    elif rule.before:
        calendar = get_calendar()
        due, remaining = day, rule.amount
        while remaining:
            due -= dt.timedelta(days=1)
            if calendar.is_working_day(due):
                remaining -= 1
        revisions = {}
    else:
        deadline = compute_deadline(day, rule.amount, rule.unit)
        due, revisions = deadline.due, {str(y): r for y, r in deadline.revisions.items()}
    basis = {
        "from": day.isoformat(),
        "amount": rule.amount,
        "unit": rule.unit.value,
        "direction": "before" if rule.before else "after",
        "due": due.isoformat(),
        "calendar_revisions": revisions,
        "text": _chinese(rule.describe),  # pages describe the basis in their own language
    }
    return due, basis


def _chinese(describe: Any) -> str:
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return str(describe())


def is_late(submitted_on: dt.date | None, due: dt.date | None, today: dt.date) -> bool:
    """Late if submitted after the due date, or not submitted and it has passed (`workdays.timeliness`)."""
    return timeliness.is_late(submitted_on, due, today)


# --- periods for the frequency rules (R-S2, R-B1 … R-B4) ---------------------------------


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date  # inclusive


def periods_of_year(year: int, kind: str) -> list[Period]:
    """The periods of a calendar year for a frequency rule.

    Semesters are the academic ones of `pangting.core.semesters` (by default spring 2月–8月
    and autumn 9月–次年1月), each counted in the year it starts, so "each semester" (R-B3) is
    checked as the seed means it.
    """
    if kind == "month":
        return [
            Period(gettext("{year}年{month}月").format(year=year, month=m), dt.date(year, m, 1), _month_end(year, m))
            for m in range(1, 13)
        ]
    if kind == "quarter":
        return [
            Period(
                gettext("{year}年第{quarter}季度").format(year=year, quarter=q),
                dt.date(year, 3 * q - 2, 1),
                _month_end(year, 3 * q),
            )
            for q in range(1, 5)
        ]
    if kind == "semester":
        return [Period(semester_label(year, s), *semester_bounds(year, s)) for s in SEMESTERS]
    return [Period(gettext("{year}年").format(year=year), dt.date(year, 1, 1), dt.date(year, 12, 31))]


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)
