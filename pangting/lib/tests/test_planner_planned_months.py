"""R-O20: the planner prefers the months in which units planned their own sessions.

A soft goal only: the hard rules hold whatever the units planned, and a unit without a plan
has no preferred month. The college is the one of test_planner.py.
"""

from __future__ import annotations

import dataclasses
import random

import pytest

from pangting.lib.planner import (
    InvalidInstance,
    Link,
    ObjectiveWeights,
    PlannerOptions,
    PlanningInstance,
    SolveStatus,
    Team,
    Unit,
    check_plan,
    objective_value,
    plan_metrics,
    solve_plan,
)
from pangting.lib.tests.test_planner import college


def _with_plans(instance: PlanningInstance, plans: dict[str, set[int]]) -> PlanningInstance:
    units = tuple(
        dataclasses.replace(u, planned_months=frozenset(plans[u.id])) if u.id in plans else u for u in instance.units
    )
    return dataclasses.replace(instance, units=units)


def _with_team(instance: PlanningInstance, team_id: str, **changes: object) -> PlanningInstance:
    teams = tuple(dataclasses.replace(t, **changes) if t.id == team_id else t for t in instance.teams)
    return dataclasses.replace(instance, teams=teams)


def _months(plan, unit_id: str) -> list[int]:
    return sorted(v.month for v in plan.visits if v.unit_id == unit_id)


def test_a_unit_that_planned_april_and_october_is_visited_then():
    # R-O20 with R-O12: the finance school (u4, linked to the president's team t2) is visited
    # every semester; it planned its center-group sessions in April and October only.
    instance = _with_plans(college(), {"u4": {4, 10}})
    result = solve_plan(instance)
    assert result.status == SolveStatus.OPTIMAL
    assert _months(result.plan, "u4") == [4, 10]
    assert check_plan(instance, result.plan) == []
    assert result.objective == objective_value(instance, result.plan)
    assert [p.name for p in result.parts] == ["cross", "visits", "months"]


def test_without_the_lanzhou_rule_the_one_visit_falls_in_a_planned_month():
    # R-O20: u1 was not observed last year (R-O11), so it gets one visit: in April or October.
    instance = _with_plans(college(lanzhou_rule=False), {"u1": {4, 10}})
    result = solve_plan(instance)
    assert result.status == SolveStatus.OPTIMAL
    assert _months(result.plan, "u1") and set(_months(result.plan, "u1")) <= {4, 10}
    assert plan_metrics(instance, result.plan).planned_share == 1.0


def test_when_the_team_cannot_go_in_the_planned_months_the_hard_rules_still_hold():
    # R-O20 is soft: the president (t2) is away in May and November, the only months u4
    # planned; R-O12 still sends t2 to u4 every semester, in other months.
    instance = _with_team(_with_plans(college(), {"u4": {5, 11}}), "t2", unavailable_months=frozenset({5, 11}))
    result = solve_plan(instance)
    assert result.status == SolveStatus.OPTIMAL
    assert check_plan(instance, result.plan) == []
    months = _months(result.plan, "u4")
    assert len(months) == 2 and not set(months) & {5, 11}
    assert plan_metrics(instance, result.plan).planned_share < 1.0


def test_a_unit_whose_liaison_is_away_in_a_planned_month_is_visited_in_the_other():
    # The liaison of u4 is away in April: the spring visit cannot be in a planned month, the
    # autumn one still is.
    instance = _with_plans(college(), {"u4": {4, 10}})
    units = tuple(
        dataclasses.replace(u, unavailable_months=frozenset({4})) if u.id == "u4" else u for u in instance.units
    )
    instance = dataclasses.replace(instance, units=units)
    result = solve_plan(instance)
    assert check_plan(instance, result.plan) == []
    months = _months(result.plan, "u4")
    assert 10 in months and 4 not in months


def test_a_zero_weight_turns_the_preference_off():
    plain = solve_plan(college())
    weights = dataclasses.replace(ObjectiveWeights(), planned_month=0)
    off = solve_plan(_with_plans(college(weights=weights), {"u4": {4, 10}}))
    assert off.plan.visits == plain.plan.visits
    assert [p.name for p in off.parts] == ["cross", "visits"]


def test_planned_months_must_be_calendar_months():
    with pytest.raises(InvalidInstance, match="1至12"):
        solve_plan(_with_plans(college(), {"u4": {4, 13}}))


def _random_instance(seed: int) -> PlanningInstance:
    rng = random.Random(seed)
    months = (3, 4, 5, 6, 7, 9, 10, 11, 12)
    units = tuple(
        Unit(
            f"u{i}",
            f"第{i}单位",
            unavailable_months=frozenset(rng.sample(months, 1)) if rng.random() < 0.2 else frozenset(),
            planned_months=frozenset(rng.sample(months, rng.randint(1, 4))) if rng.random() < 0.7 else frozenset(),
        )
        for i in range(rng.randint(5, 9))
    )
    teams = tuple(
        Team(
            f"t{j}",
            f"第{j}组",
            f"l{j}",
            capacity_per_semester=rng.choice((None, None, 3)),
            unavailable_months=frozenset(rng.sample(months, rng.randint(0, 2))),
        )
        for j in range(rng.randint(2, 4))
    )
    links = tuple(Link(rng.choice(teams).id, u.id) for u in units)
    options = PlannerOptions(
        lanzhou_rule=rng.random() < 0.5,
        cross_observation=False,
        max_visits_per_team_per_month=rng.choice((1, 2)),
        time_limit_seconds=10.0,
        random_seed=seed,
        num_workers=1,
    )
    observed = frozenset(u.id for u in units if rng.random() < 0.4)
    return PlanningInstance(2026, units, teams, links, observed_last_year=observed, options=options)


@pytest.mark.parametrize("seed", range(8))
def test_the_preference_never_breaks_a_hard_rule_on_random_instances(seed):
    # R-O20 property: with or without the units' plans, the same instances are solvable, every
    # hard rule holds, the objective is the one the metrics recompute, and the plans never put
    # fewer visits in planned months than the plan made without looking at them.
    instance = _random_instance(seed)
    blind = dataclasses.replace(
        instance, options=dataclasses.replace(instance.options, weights=ObjectiveWeights(planned_month=0))
    )
    with_plans, without = solve_plan(instance), solve_plan(blind)
    assert (with_plans.plan is None) == (without.plan is None)
    if with_plans.plan is None:
        return
    assert check_plan(instance, with_plans.plan) == []
    assert with_plans.status == without.status == SolveStatus.OPTIMAL
    assert with_plans.objective == pytest.approx(objective_value(instance, with_plans.plan))
    preferred = plan_metrics(instance, with_plans.plan).planned_share
    assert preferred >= plan_metrics(instance, without.plan).planned_share
