"""Deadline parameters (domain.md: numbers are per-deployment defaults), semesters, and
computing a deadline with its basis or the reason it could not be computed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation

from pangting.core.semesters import semester_of  # noqa: F401  (re-exported: the one definition)
from pangting.workdays.services import DayUnit, UnknownCalendarYear, compute_deadline


@dataclass(frozen=True)
class DeadlineRule:
    amount: int
    unit: DayUnit


def _rule(name: str, amount: int, unit: DayUnit) -> DeadlineRule:
    configured = getattr(settings, "PANGTING_OBSERVATION_DEADLINES", {}).get(name)
    if configured:
        return DeadlineRule(int(configured[0]), DayUnit(configured[1]))
    return DeadlineRule(amount, unit)


def reply_rule() -> DeadlineRule:
    """R-O4: the unit replies within 7 working days of receiving the letter."""
    return _rule("reply", 7, DayUnit.WORKING)


def record_rule() -> DeadlineRule:
    """R-O8: the liaison files the record within 3 days of the session."""
    return _rule("record", 3, DayUnit.CALENDAR)


def feedback_rule() -> DeadlineRule:
    """R-O9: written feedback within 10 working days of the session."""
    return _rule("feedback", 10, DayUnit.WORKING)


def cross_report_rule() -> DeadlineRule:
    """R-O13: a unit that sat in reports in writing within 3 days."""
    return _rule("cross_report", 3, DayUnit.CALENDAR)


def _deadline(start: dt.date, rule: DeadlineRule) -> tuple[dt.date | None, dict[str, Any], str]:
    """(due, basis, warning): the warning says why a deadline could not be computed."""
    try:
        deadline = compute_deadline(start, rule.amount, rule.unit)
    except UnknownCalendarYear as refusal:
        return None, {}, str(refusal)
    # The stored text is Chinese whoever computed it; pages describe the basis in their own language.
    with translation.override(settings.LANGUAGE_CODE):
        text = deadline.describe()
    return deadline.due, {**deadline.as_basis(), "text": text}, ""
