"""Shapes of the compliance app's JSON columns (`core.jsonshape`)."""

from __future__ import annotations

from typing import NotRequired, TypedDict


class RunCounts(TypedDict):
    """A finished run: findings new, still open and resolved; the units it covered (whole-tree runs)."""

    new: int
    still: int
    resolved: int
    units: NotRequired[list[int]]


class NotCounted(TypedDict):
    """A run still in progress: an empty object."""


RUN_RULES = list[str]  # rule ids (R-…); empty: every rule
RUN_COUNTS = RunCounts | NotCounted
