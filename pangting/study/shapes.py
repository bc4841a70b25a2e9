"""Shapes of the study app's JSON columns (`core.jsonshape`)."""

from __future__ import annotations

from typing import Literal, TypedDict

from pangting.workdays.shapes import NoDeadline, Unit

# `rules.due_date`: R-S10's arrangement form before the session, the report after it.
# ("from" is a Python keyword, hence the functional form.)
SessionDueBasis = TypedDict(
    "SessionDueBasis",
    {
        "from": str,  # ISO date of the session day
        "amount": int,
        "unit": Unit,
        "direction": Literal["before", "after"],
        "due": str,
        "calendar_revisions": dict[str, int],
        "text": str,
    },
)


class RefusedDueBasis(TypedDict):
    """A deadline the calendar could not compute yet (its year is not entered); recomputed on entry."""

    refused_year: int
    text: str


SESSION_DUE_BASIS = SessionDueBasis | RefusedDueBasis | NoDeadline
