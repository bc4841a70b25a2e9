"""The planner keeps visits out of the months a unit's liaison cannot take part (R-O1 hard constraint,
R-O3: the liaison goes on every visit to the unit), and explains in Chinese when that leaves no plan.
Borrows the named college of test_planner.py."""

from __future__ import annotations

import dataclasses

from pangting.lib.planner import (
    Pin,
    SolveStatus,
    ViolationKind,
    Visit,
    baseline_plan,
    check_plan,
    explain_infeasibility,
    plan_metrics,
    solve_plan,
)
from pangting.lib.tests.test_planner import ART, DEPUTY_TEAM, MARXISM, PRESIDENT_TEAM, SECRETARY_TEAM, UNITS, college


def with_blocked(**months: frozenset[int]) -> tuple:
    """UNITS with `unavailable_months` set on the units named by id (u1=…)."""
    return tuple(dataclasses.replace(u, unavailable_months=months.get(u.id, frozenset())) for u in UNITS)


def test_it_keeps_the_linked_visits_of_a_unit_in_the_months_its_liaison_can_go():
    # 艺术设计学院 (u5) is linked to the deputy secretary's team (away in March and September).
    instance = college(units=with_blocked(u5=frozenset({4, 5, 6, 10, 11})))
    result = solve_plan(instance)
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE), result.explanations
    art = sorted(v.month for v in result.plan.visits if v.unit_id == ART.id)
    assert art == [7, 12]  # R-O12: once each semester, only where team and liaison both can
    assert check_plan(instance, result.plan) == []


def test_it_places_a_unit_of_the_round_in_its_only_free_month():
    instance = college(units=with_blocked(u1=frozenset(range(1, 13)) - {10}), lanzhou_rule=False)
    result = solve_plan(instance)
    assert result.plan is not None, result.explanations
    assert [v.month for v in result.plan.visits if v.unit_id == MARXISM.id] == [10]
    assert check_plan(instance, result.plan) == []
    assert plan_metrics(instance, baseline_plan(instance)).violations.get(ViolationKind.UNAVAILABLE, 0) == 0


def test_it_names_a_unit_whose_liaison_cannot_go_in_any_month():
    instance = college(units=with_blocked(u1=frozenset(range(1, 13))), lanzhou_rule=False, pins=())
    result = solve_plan(instance)
    assert result.status == SolveStatus.INFEASIBLE and result.plan is None
    assert "以下单位全年没有可安排的月份" in result.explanations[0]
    assert "马克思主义学院党委" in result.explanations[0] and "（R-O11）" in result.explanations[0]


def test_it_names_linked_units_whose_liaison_months_miss_the_team_months():
    # The deputy's team cannot go in September; 艺术设计学院's liaison only then.
    instance = college(
        units=with_blocked(u5=frozenset({10, 11, 12})), teams=(SECRETARY_TEAM, PRESIDENT_TEAM, DEPUTY_TEAM)
    )
    text = "\n".join(explain_infeasibility(instance))
    assert "「党委副书记工作组」秋季学期可用的月份与以下挂钩单位联络员的可安排月份没有交集" in text
    assert "艺术设计学院党总支" in text and "（R-O12）" in text


def test_the_solver_names_the_team_when_only_the_month_choice_makes_it_impossible():
    # Both of the deputy's linked units can only be visited in July, and a team makes one visit a month.
    instance = college(
        units=with_blocked(u5=frozenset({3, 4, 5, 6}), u6=frozenset({3, 4, 5, 6})),
        max_visits_per_team_per_month=1,
        pins=(),
    )
    assert explain_infeasibility(instance) == []
    result = solve_plan(instance)
    assert result.status == SolveStatus.INFEASIBLE
    assert any("「党委副书记工作组」春季学期的容量不足，挂钩单位中有1个" in line for line in result.explanations)


def test_it_names_a_pin_in_a_month_the_liaison_cannot_go_and_the_checker_flags_it():
    instance = college(units=with_blocked(u3=frozenset({4})))
    assert any("「信息工程学院党委」的联络员4月不可安排" in m for m in explain_infeasibility(instance))
    plan = dataclasses.replace(solve_plan(college()).plan)
    flagged = [v for v in check_plan(instance, plan) if v.kind == ViolationKind.UNAVAILABLE]
    assert flagged and flagged[0].unit_ids == ("u3",)
    assert Visit("u3", "t2", "spring", 4, pinned=True) in plan.visits
    assert Pin("u3", "t2", "spring", 4, reason="应邀式巡听") in instance.pins
