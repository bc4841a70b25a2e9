"""Shapes of the observation app's JSON columns (`core.jsonshape`)."""

from __future__ import annotations

from typing import TypedDict


class ChecklistPoint(TypedDict):
    """One of the 11 feedback checklist points (R-O9): a problem found or not, and the evidence."""

    problem: bool
    evidence: str


FEEDBACK_CHECKLIST = dict[str, ChecklistPoint]  # CHECKLIST_POINTS key -> point
