"""R-O11 coverage: the one definition, used by the plan page, the dashboard, the unit page,
the bulletin and the compliance check.

R-O11 (000 §4.2) asks that every unit be observed at least once *in every two-year round*.
A round is a fixed pair of years counted from the first round's start year (the R-O11
parameter `round_start_year` of the rule-parameter registry, 2025 by default): 2025–2026,
2027–2028, …
It is not a sliding window: a unit observed in 2026 is covered for the 2025–2026 round and
starts the 2027–2028 round uncovered, so the plan page, the dashboard and the compliance
check agree on which units still need a visit. A visit counts once it reached an observed
state (`OBSERVED_STATES`); a planned visit is shown as planned, not as covered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy

from pangting.core import parameters
from pangting.core.lookups import Ids
from pangting.core.parameters import Parameter
from pangting.orgs.models import Organization

from .models import OBSERVED_STATES, State, Visit

DEFAULT_ROUND_START_YEAR = 2025


def register_parameters() -> None:
    """Declare R-O11's round start in the registry (from `ObservationConfig.ready`)."""
    parameters.register(
        "R-O11",
        Parameter("round_start_year", DEFAULT_ROUND_START_YEAR, gettext_lazy("轮次起始年份（每两年一轮）"), "year"),
        title=gettext_lazy("两年一轮全覆盖"),
    )


def round_start_year() -> int:
    """The first year of the first two-year round (R-O11 `round_start_year`)."""
    return int(parameters.value("R-O11", "round_start_year"))


def round_of(year: int, start: int | None = None) -> tuple[int, int]:
    """The (first, last) year of the two-year round that `year` belongs to."""
    start = round_start_year() if start is None else start
    first = year - (year - start) % 2
    return first, first + 1


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
        return gettext("{first}—{last}年").format(first=self.round[0], last=self.round[1])


def coverage(units: Sequence[Organization], year: int, *, start: int | None = None) -> Coverage:
    """R-O11 for `units` in the round holding `year` (one query, and one for the start year
    unless the caller already read it as `start`)."""
    first, last = round_of(year, start)
    rows = (
        Visit.objects.filter(unit_id__any_of=Ids(u.pk for u in units), year__in=(first, last))
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
