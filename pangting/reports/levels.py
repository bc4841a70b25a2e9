"""Comparing supervising levels (R-O23): each level's coverage and timeliness side by side.

The level above reads the levels below it; this module puts each supervising organization
the user reads in one row, with the figures the dashboards already compute for a set of
units (`metrics.coverage`, the one definition of R-O11, and `metrics.timeliness`, the one
definition of "on time"), taken over the units that level itself supervises. No access is
checked here: the caller passes the supervising organizations the policy let the user read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count, Q

from pangting.observation.models import OBSERVED_STATES, State, Visit
from pangting.orgs.models import Organization
from pangting.orgs.units import supervising_ancestor, units_supervised_by

from . import metrics


@dataclass(frozen=True)
class LevelRow:
    """One supervising level's year: its units, their coverage, its visits and their deadlines."""

    organization: Organization
    above: Organization | None
    units: int
    covered: int
    coverage_round: str
    visits: int
    observed: int
    letters: int
    on_time: int
    late: int
    overdue: int
    pending: int

    @property
    def coverage_percent(self) -> float | None:
        return metrics.percent(Fraction(self.covered, self.units) if self.units else None)

    @property
    def on_time_percent(self) -> float | None:
        """On time among the deadlines already decided (on time, late or overdue)."""
        decided = self.on_time + self.late + self.overdue
        return metrics.percent(Fraction(self.on_time, decided) if decided else None)


def level_row(organization: Organization, year: int, today: dt.date | None = None) -> LevelRow:
    """The figures of one supervising level for `year` (a fixed number of queries)."""
    units = list(units_supervised_by(organization).order_by("sort_order", "path"))
    covered = metrics.coverage(units, year)
    deadlines = metrics.timeliness(units, year, today)
    visits = (
        Visit.objects.filter(supervisor_org=organization, year=year)
        .exclude(state=State.CANCELLED)
        .aggregate(
            total=Count("pk"),
            observed=Count("pk", filter=Q(state__in=OBSERVED_STATES)),
            letters=Count("pk", filter=Q(letter_issued_at__isnull=False)),
        )
    )
    return LevelRow(
        organization=organization,
        above=supervising_ancestor(organization),
        units=covered.total,
        covered=covered.covered,
        coverage_round=covered.label,
        visits=visits["total"],
        observed=visits["observed"],
        letters=visits["letters"],
        on_time=sum(d.on_time for d in deadlines),
        late=sum(d.late for d in deadlines),
        overdue=sum(d.overdue for d in deadlines),
        pending=sum(d.pending for d in deadlines),
    )


def level_rows(organizations: Iterable[Organization], year: int, today: dt.date | None = None) -> list[LevelRow]:
    """One row per supervising organization, in tree order."""
    return [level_row(org, year, today) for org in sorted(organizations, key=lambda o: o.path)]
