"""Permission-matrix rows of the reports documents part."""

from __future__ import annotations

from pangting.tests.matrix import Case

CASES: list[Case] = []
