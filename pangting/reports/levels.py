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

from pangting.observation.coverage import Coverage, CoverageRow
from pangting.observation.models import OBSERVED_STATES, State, Visit
from pangting.orgs.models import PATH_STEP, Organization
from pangting.orgs.paths import nearest, under_any
from pangting.orgs.units import supervising_organizations, supervisors_of, units

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


def level_rows(organizations: Iterable[Organization], year: int, today: dt.date | None = None) -> list[LevelRow]:
    """One row per supervising organization, in tree order: a fixed number of queries however many.

    Each level's units are those it supervises itself (`units_supervised_by`): the units under it
    whose nearest supervising organization above is this one. Every level's units are read in one
    query, and coverage, timeliness and the visits are each counted once over all of them and
    split by level (issue 15: a province's cities in one reading).
    """
    levels = sorted(organizations, key=lambda o: o.path)
    if not levels:
        return []
    below = Organization.objects.filter(under_any(levels))
    supervising = {org.path: org for org in supervising_organizations(below)}
    level_of: dict[int, int] = {}
    members: dict[int, list[Organization]] = {org.pk: [] for org in levels}
    for unit in units(below).order_by("sort_order", "path"):
        owner = nearest(unit.path[:-PATH_STEP], supervising)
        if owner is not None and owner.pk in members:
            level_of[unit.pk] = owner.pk
            members[owner.pk].append(unit)
    covered = metrics.coverage([u for group in members.values() for u in group], year)
    deadlines = metrics.timeliness_by(level_of, year, today)
    visits = {
        row["supervisor_org_id"]: row
        for row in Visit.objects.filter(supervisor_org_id__in=members, year=year)
        .exclude(state=State.CANCELLED)
        .values("supervisor_org_id")
        .annotate(
            total=Count("pk"),
            observed=Count("pk", filter=Q(state__in=OBSERVED_STATES)),
            letters=Count("pk", filter=Q(letter_issued_at__isnull=False)),
        )
        .order_by()
    }
    coverage_rows: dict[int, list[CoverageRow]] = {org.pk: [] for org in levels}
    for row in covered.rows:
        coverage_rows[level_of[row.unit.pk]].append(row)
    above = supervisors_of(levels)
    rows = []
    for org in levels:
        level_coverage = Coverage(covered.year, covered.round, coverage_rows[org.pk])
        counts = deadlines.get(org.pk, [])
        seen = visits.get(org.pk, {})
        rows.append(
            LevelRow(
                organization=org,
                above=above[org.pk] if above[org.pk].pk != org.pk else None,
                units=level_coverage.total,
                covered=level_coverage.covered,
                coverage_round=level_coverage.label,
                visits=seen.get("total", 0),
                observed=seen.get("observed", 0),
                letters=seen.get("letters", 0),
                on_time=sum(d.on_time for d in counts),
                late=sum(d.late for d in counts),
                overdue=sum(d.overdue for d in counts),
                pending=sum(d.pending for d in counts),
            )
        )
    return rows
