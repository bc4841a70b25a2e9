"""Shapes of the planning app's JSON columns (`core.jsonshape`); the draw's follow `lib.draw`."""

from __future__ import annotations

from typing import TypedDict


class DrawCandidate(TypedDict):
    id: str  # organization pk as text, as published
    name: str


class DrawExclusion(TypedDict):
    id: str
    name: str
    reason: str


DRAW_CANDIDATES = list[DrawCandidate]
DRAW_EXCLUSIONS = list[DrawExclusion]
DRAW_PICKS = list[str]  # candidate ids in draw order
RUN_NOTES = list[str]  # what the instance builder left out, and why, in Chinese
