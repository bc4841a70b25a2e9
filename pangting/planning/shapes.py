"""Shapes of the planning app's JSON columns (`core.jsonshape`); the draw's follow `lib.draw`."""

from __future__ import annotations

from typing import NotRequired, TypedDict


class DrawCandidate(TypedDict):
    id: str  # organization pk as text, as published
    name: str


class DrawExclusion(TypedDict):
    id: str
    name: str
    reason: str


class RunPin(TypedDict):
    """A visit pinned in an earlier draft, kept exactly when the run is solved again (R-O1)."""

    unit_id: str
    team_id: str
    semester: int
    month: int


class RunParameters(TypedDict):
    """What `services.create_run` asked the solver for; a re-solve adds the pins and its source run."""

    time_limit: int  # seconds
    lanzhou_rule: bool  # R-O12
    cross_observation: bool  # R-O13
    seed: int
    workers: int
    pins: NotRequired[list[RunPin]]
    resolved_from: NotRequired[int]  # PlanRun pk
    planned_month_weight: NotRequired[int]  # R-O20, the rule parameter in force when the run was asked for


DRAW_CANDIDATES = list[DrawCandidate]
DRAW_EXCLUSIONS = list[DrawExclusion]
DRAW_PICKS = list[str]  # candidate ids in draw order
RUN_PARAMETERS = RunParameters
RUN_NOTES = list[str]  # what the instance builder left out, and why, in Chinese
