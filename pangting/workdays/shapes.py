"""Shapes of the deadline bases stored beside due dates (JSON columns, `core.jsonshape`)."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

Unit = Literal["working", "calendar"]  # lib.workdays.DayUnit


class DeadlineBasis(TypedDict):
    """`Deadline.as_basis()`, plus the Chinese text shown beside the date."""

    start: str  # ISO date the count starts from
    amount: int
    unit: Unit
    due: str  # ISO date
    calendar_revisions: dict[str, int]  # year -> revision of the calendar the count used
    text: NotRequired[str]


class NoDeadline(TypedDict):
    """No deadline yet (the calendar year is not entered, or none applies): an empty object."""


DEADLINE_BASIS = DeadlineBasis | NoDeadline
