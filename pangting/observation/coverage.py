"""R-O11 coverage: the one definition, used by the plan page, the dashboard, the unit page,
the bulletin and the compliance check.

R-O11 (000 §4.2) asks that every unit be observed at least once *in every two-year round*.
A round is a fixed pair of years counted from the first round's start year (the
`PANGTING_COVERAGE_ROUND_START_YEAR` setting, 2025 by default): 2025–2026, 2027–2028, …
It is not a sliding window: a unit observed in 2026 is covered for the 2025–2026 round and
starts the 2027–2028 round uncovered, so the plan page, the dashboard and the compliance
check agree on which units still need a visit. A visit counts once it reached an observed
state (`OBSERVED_STATES`); a planned visit is shown as planned, not as covered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from pangting.orgs.models import Organization

from .models import OBSERVED_STATES, State, Visit

DEFAULT_ROUND_START_YEAR = 2025


def round_start_year() -> int:
    """The first year of the first two-year round (a deployment setting)."""
    value = getattr(settings, "PANGTING_COVERAGE_ROUND_START_YEAR", DEFAULT_ROUND_START_YEAR)
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise ImproperlyConfigured("PANGTING_COVERAGE_ROUND_START_YEAR must be a year.") from None
    if not 2000 <= year <= 2100:
        raise ImproperlyConfigured("PANGTING_COVERAGE_ROUND_START_YEAR must be a year between 2000 and 2100.")
    return year


def round_of(year: int) -> tuple[int, int]:
    """The (first, last) year of the two-year round that `year` belongs to."""
    first = year - (year - round_start_year()) % 2
    return first, first + 1


def round_label(year: int) -> str:
    first, last = round_of(year)
    return f"{first}—{last}年"


@dataclass(frozen=True)
class CoverageRow:
    """One unit in one round: observed visits in each year of the round, and planned ones."""

    unit: Organization
    first: int  # observed visits in the round's first year
    second: int  # observed visits in the round's second year
    planned: int  # visits of the round not yet observed (and not cancelled)

    @property
    def observed(self) -> int:
        return self.first + self.second

    @property
    def covered(self) -> bool:
        return self.observed > 0

    @property
    def status(self) -> str:
        """ok: observed in the round; warn: only planned so far; bad: not covered (R-O11)."""
        if self.covered:
            return "ok"
        return "warn" if self.planned else "bad"


@dataclass(frozen=True)
class Coverage:
    year: int
    round: tuple[int, int]
    rows: list[CoverageRow]

    @property
    def covered(self) -> int:
        return sum(1 for r in self.rows if r.covered)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def uncovered(self) -> list[CoverageRow]:
        return [r for r in self.rows if not r.covered]

    @property
    def uncovered_units(self) -> list[Organization]:
        return [r.unit for r in self.uncovered]

    @property
    def label(self) -> str:
        return f"{self.round[0]}—{self.round[1]}年"


def coverage(units: Sequence[Organization], year: int) -> Coverage:
    """R-O11 for `units` in the round holding `year` (one query)."""
    first, last = round_of(year)
    ids = [u.pk for u in units]
    rows = (
        Visit.objects.filter(unit_id__in=ids, year__in=(first, last))
        .exclude(state=State.CANCELLED)
        .values_list("unit_id", "year", "state")
        .order_by()
    )
    observed: Counter[tuple[int, int]] = Counter()
    planned: Counter[int] = Counter()
    for unit_id, visit_year, state in rows:
        if state in OBSERVED_STATES:
            observed[(unit_id, visit_year)] += 1
        else:
            planned[unit_id] += 1
    return Coverage(
        year,
        (first, last),
        [CoverageRow(u, observed[(u.pk, first)], observed[(u.pk, last)], planned[u.pk]) for u in units],
    )
