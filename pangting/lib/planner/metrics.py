"""Measures of a plan, the same for the solver's plan and the baseline's, so they compare fairly."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from pangting.lib.planner.checker import check_plan
from pangting.lib.planner.instance import Plan, PlanningInstance


@dataclass(frozen=True)
class PlanMetrics:
    """What the benchmark table shows for one plan.

    Spreads are over the teams that have at least one available month (a team that cannot
    visit at all would otherwise pin the minimum at zero) and over every planning month.
    `coverage` is the share of units observed in the two-year round (last year or this year).
    """

    visits: int
    team_range: int
    team_cv: float
    month_range: int
    month_cv: float
    coverage: float
    linked_share: float
    violations: dict[str, int]
    objective: int
    planned_share: float = 1.0  # R-O20: share of visits to units with a plan that fall in a planned month

    @property
    def violation_count(self) -> int:
        return sum(self.violations.values())


def team_loads(instance: PlanningInstance, plan: Plan) -> dict[str, int]:
    index = instance.index
    counts = Counter(v.team_id for v in plan.visits)
    return {t: counts[t] for t in index.team_ids if index.team_has_time(t)}


def month_loads(instance: PlanningInstance, plan: Plan) -> dict[int, int]:
    counts = Counter(v.month for v in plan.visits)
    return {m: counts[m] for m in instance.index.months}


def _spread(values: list[int]) -> int:
    return max(values) - min(values) if values else 0


def _cv(values: list[int]) -> float:
    mean = statistics.fmean(values) if values else 0.0
    return statistics.pstdev(values) / mean if mean else 0.0


def objective_value(instance: PlanningInstance, plan: Plan) -> int:
    """The solver's objective evaluated on any plan (see `ObjectiveWeights`); lower is better."""
    weights = instance.options.weights
    index = instance.index
    unlinked = sum(
        1 for v in plan.visits if index.linked_teams.get(v.unit_id) and v.team_id not in index.linked_teams[v.unit_id]
    )
    revisited = len({v.unit_id for v in plan.visits} & instance.observed_last_year)
    in_planned = sum(1 for v in plan.visits if index.in_planned_month(v.unit_id, v.month))
    return (
        weights.team_spread * sum(abs(load - index.team_target) for load in team_loads(instance, plan).values())
        + weights.month_spread * _spread(list(month_loads(instance, plan).values()))
        + weights.unlinked_visit * unlinked
        - weights.extra_coverage * revisited
        - weights.planned_month * in_planned
    )


def plan_metrics(instance: PlanningInstance, plan: Plan) -> PlanMetrics:
    index = instance.index
    teams = list(team_loads(instance, plan).values())
    months = list(month_loads(instance, plan).values())
    visited = {v.unit_id for v in plan.visits}
    unit_ids = set(index.unit_ids)
    covered = len((visited | instance.observed_last_year) & unit_ids)
    with_link = [v for v in plan.visits if index.linked_teams.get(v.unit_id)]
    linked = sum(1 for v in with_link if v.team_id in index.linked_teams[v.unit_id])
    violations = Counter(str(v.kind.value) for v in check_plan(instance, plan))
    with_plan = [v for v in plan.visits if v.unit_id in index.unit_planned]
    in_planned = sum(1 for v in with_plan if index.in_planned_month(v.unit_id, v.month))
    return PlanMetrics(
        visits=len(plan.visits),
        team_range=_spread(teams),
        team_cv=_cv(teams),
        month_range=_spread(months),
        month_cv=_cv(months),
        coverage=covered / len(unit_ids) if unit_ids else 1.0,
        linked_share=linked / len(with_link) if with_link else 1.0,
        violations=dict(sorted(violations.items())),
        objective=objective_value(instance, plan),
        planned_share=in_planned / len(with_plan) if with_plan else 1.0,
    )
