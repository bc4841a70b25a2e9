"""How a dashboard chart shows many units: per unit, per group, or the laggards (issue 15).

A per-unit chart (coverage, participation, sessions, scores, frequency) draws one bar and one
table row per unit while the set has at most `LIMIT` units. Past that it draws one line per
**group**: the organization on each unit's path one level below the deepest organization
that holds the whole set (for the province supervisor, the cities), each line summing its
units' counts — numerators and denominators, never an average of percentages — and linking
to the same dashboard narrowed to that group (`?under=`). When the set cannot be split that
way into at most `LIMIT` groups (a city with 700 direct units), the chart shows the `LIMIT`
units with the worst value for that chart, and says how many it leaves out; the paged units'
table lists them all.

`plan` decides once per page; `lines` applies it to one chart's per-unit rows. Every chart
goes through these two functions, so the grouping has this one home. The cross-observation
matrices (R-O13) follow the same plan: units × units, groups × groups (the counts summed in the
database by each side's path prefix at the groups' depth, `Plan.root`), or the laggards' bars.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from typing import Any, Generic, TypeVar

from django.utils.html import format_html
from django.utils.translation import gettext as _

from pangting.orgs.models import PATH_STEP, Organization

# The most bars (and table rows) a per-unit chart draws; past it the units are grouped.
LIMIT = 60

UNITS, GROUPS, LAGGARDS = "units", "groups", "laggards"

T = TypeVar("T")


@dataclass(frozen=True)
class Group:
    """One organization one level below the set's deepest common organization, and its units."""

    org: Organization
    unit_ids: frozenset[int]
    url: str  # the dashboard narrowed to the group; "" when the group is the common organization itself


@dataclass(frozen=True)
class Plan:
    """How this page's per-unit charts show `total` units: per unit, per group, or the laggards."""

    mode: str
    total: int
    groups: list[Group] = field(default_factory=list)
    root: str = ""  # the path of the organization holding every unit (GROUPS: the groups are one step below)

    @cached_property
    def group_of(self) -> dict[int, int]:
        """A unit's id → its group's organization id (GROUPS), worked out once for every chart."""
        return {pk: group.org.pk for group in self.groups for pk in group.unit_ids}


def common_path(paths: Sequence[str]) -> str:
    """The path of the deepest organization holding every path (whole PATH_STEP steps only)."""
    if not paths:
        return ""
    low, high = min(paths), max(paths)  # the common prefix of all is that of the extremes
    size = 0
    while size < min(len(low), len(high)) and low[size] == high[size]:
        size += 1
    return low[: size - size % PATH_STEP]


def plan(units: Sequence[Organization], link: Callable[[Organization], str] | None = None) -> Plan:
    """How to show these units (ordered as given); one query when they are grouped.

    `link` gives a group's narrowed dashboard address (no links without it).
    """
    if len(units) <= LIMIT:
        return Plan(UNITS, len(units))
    root = common_path([u.path for u in units])
    members: dict[int, set[int]] = {}
    for unit in units:
        step = unit.path[len(root) : len(root) + PATH_STEP]
        members.setdefault(int(step) if step else unit.pk, set()).add(unit.pk)
    if len(members) > LIMIT:
        return Plan(LAGGARDS, len(units))
    orgs = Organization.objects.in_bulk(list(members))
    groups = [
        Group(
            orgs[pk],
            frozenset(ids),
            link(orgs[pk]) if link is not None and orgs[pk].path != root else "",
        )
        for pk, ids in members.items()
    ]
    return Plan(GROUPS, len(units), groups, root)


@dataclass(frozen=True)
class Line(Generic[T]):
    """One bar and table row of a per-unit chart: one unit's row, or the rows of a group's units."""

    org: Organization
    rows: list[T]
    url: str = ""

    @property
    def name(self) -> str:
        return self.org.display_name

    @property
    def label(self) -> Any:
        """The table's first cell: the name, a link to the narrowed dashboard for a group."""
        return format_html('<a href="{}">{}</a>', self.url, self.name) if self.url else self.name

    @property
    def units(self) -> int:
        return len(self.rows)

    def sum(self, name: str) -> Any:
        """The rows' `name` added up (a count: numerators and denominators, never rates)."""
        return sum(map(attrgetter(name), self.rows))


@dataclass(frozen=True)
class Lines(Generic[T]):
    items: list[Line[T]]
    note: str = ""  # says what the chart shows when it is not one line per unit


def lines(
    shown: Plan,
    rows: Sequence[T],
    *,
    worst: Callable[[Line[T]], Any],
    unit: Callable[[T], Organization] = lambda row: row.unit,  # type: ignore[attr-defined]
) -> Lines[T]:
    """One chart's per-unit `rows` as the plan shows them.

    `worst` orders lines from the worst value for this chart (the laggards) and is used only
    when the set is too large to group; the rows keep the plan's unit order otherwise.
    """
    if shown.mode == UNITS:
        return Lines([Line(unit(row), [row]) for row in rows])
    if shown.mode == GROUPS:
        by_group: dict[int, list[T]] = {}
        where = shown.group_of
        for row in rows:
            by_group.setdefault(where[unit(row).pk], []).append(row)
        note = _("共{total}个单位，按{count}个下级组织汇总；点击组织名称可查看其下各单位。").format(
            total=shown.total, count=len(shown.groups)
        )
        return Lines([Line(g.org, by_group.get(g.org.pk, []), g.url) for g in shown.groups], note)
    each = sorted((Line(unit(row), [row]) for row in rows), key=worst)[:LIMIT]
    note = _("共{total}个单位，显示该项最低的{count}个；全部单位见上方“各单位规则检查情况”分页表。").format(
        total=shown.total, count=len(each)
    )
    return Lines(each, note)
