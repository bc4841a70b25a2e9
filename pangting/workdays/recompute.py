"""Deadlines refused for want of a calendar year are recomputed when that year is entered (issue 10 item 6).

A working-day deadline that reaches a year nobody has entered is refused: the record keeps an
empty due date and a note. The apps that store such refusals register a recomputer here in
their `AppConfig.ready`; `enter_year` runs them all in its own transaction, so the year and
the deadlines it unblocks are saved together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (year just entered, actor) -> how many records got a due date they lacked.
Recomputer = Callable[[int, Any], int]

_recomputers: dict[str, Recomputer] = {}


def register_deadline_recomputer(name: str, recomputer: Recomputer) -> None:
    """Register under a stable name (e.g. "observation.visits"); registering the same name again replaces it."""
    _recomputers[name] = recomputer


def registered_recomputers() -> dict[str, Recomputer]:
    return dict(_recomputers)


def recompute_refused_deadlines(year: int, *, actor: Any) -> dict[str, int]:
    """Run every recomputer for `year`; the counts by name (callers run this inside a transaction)."""
    return {name: recomputer(year, actor) for name, recomputer in sorted(_recomputers.items())}
