"""The annual planner (R-O1) on a small named college: every hard rule, pins, conflicts,
infeasibility explained in Chinese, and determinism. The checker has its own tests in
test_planner_checker.py, which borrows the college built here."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import pytest

from pangting.lib.planner import (
    AUTUMN,
    SPRING,
    Conflict,
    CrossPair,
    Link,
    Pin,
    PlannerOptions,
    PlanningInstance,
    PlanResult,
    Semester,
    SolveStatus,
    Team,
    Unit,
    ViolationKind,
    Visit,
    baseline_plan,
    check_plan,
    explain_infeasibility,
    objective_value,
    plan_metrics,
    solve_plan,
)
from pangting.lib.planner.solver import cross_partners

MARXISM = Unit("u1", "马克思主义学院党委")
MECHANICAL = Unit("u2", "机电工程学院党委")
INFORMATION = Unit("u3", "信息工程学院党委")
FINANCE = Unit("u4", "财经学院党总支")
ART = Unit("u5", "艺术设计学院党总支")
LIBRARY = Unit("u6", "图书馆直属党支部")
UNITS = (MARXISM, MECHANICAL, INFORMATION, FINANCE, ART, LIBRARY)

# The party secretary, the president and the deputy secretary each lead one team (R-O3 links).
SECRETARY_TEAM = Team("t1", "党委书记工作组", "secretary")
PRESIDENT_TEAM = Team("t2", "校长工作组", "president")
DEPUTY_TEAM = Team("t3", "党委副书记工作组", "deputy", unavailable_months=frozenset({3, 9}))
TEAMS = (SECRETARY_TEAM, PRESIDENT_TEAM, DEPUTY_TEAM)

LINKS = (
    Link("t1", "u1"),
    Link("t1", "u2"),
    Link("t2", "u3"),
    Link("t2", "u4"),
    Link("t3", "u5"),
    Link("t3", "u6"),
)
CONFLICTS = (
    Conflict("u1", team_id="t2", reason="校长曾任该院院长"),
    Conflict("u2", leader_id="deputy", reason="副书记配偶在该院任职"),
)
# Last autumn: one cycle u1 → u2 → … → u6 → u1 (visitor → host).
PREVIOUS_PAIRS = tuple(CrossPair(UNITS[(i + 1) % 6].id, UNITS[i].id) for i in range(6))
INVITED = Pin("u3", "t2", "spring", 4, reason="应邀式巡听")


def college(**changes: Any) -> PlanningInstance:
    """The college with the Lanzhou rule and cross-observation on; override any field or option."""
    options = PlannerOptions(
        lanzhou_rule=True,
        cross_observation=True,
        max_visits_per_team_per_month=2,
        time_limit_seconds=10.0,
        random_seed=7,
        num_workers=1,
    )
    option_fields = {f.name for f in dataclasses.fields(PlannerOptions)}
    options = dataclasses.replace(options, **{k: v for k, v in changes.items() if k in option_fields})
    instance = PlanningInstance(
        year=2026,
        units=UNITS,
        teams=TEAMS,
        links=LINKS,
        conflicts=CONFLICTS,
        observed_last_year=frozenset({"u2", "u4", "u6"}),
        previous_cross_pairs=PREVIOUS_PAIRS,
        pins=(INVITED,),
        options=options,
    )
    return dataclasses.replace(instance, **{k: v for k, v in changes.items() if k not in option_fields})


def _solve(instance: PlanningInstance) -> PlanResult:
    result = solve_plan(instance)
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE), result.explanations
    assert result.plan is not None
    return result


@pytest.fixture(scope="module")
def solved() -> PlanResult:
    return _solve(college())


def test_it_plans_a_college_year_that_keeps_every_hard_rule(solved):
    assert solved.status == SolveStatus.OPTIMAL
    assert check_plan(college(), solved.plan) == []
    assert solved.gap == 0.0
    assert solved.explanations == ()


def test_it_observes_every_unit_missed_last_year_to_close_the_two_year_round(solved):
    # R-O11: u1, u3 and u5 were not observed last year.
    visited = {v.unit_id for v in solved.plan.visits}
    assert {"u1", "u3", "u5"} <= visited


def test_it_sends_each_linked_team_to_each_of_its_units_every_semester(solved):
    # R-O12 (Lanzhou rule).
    done = {(v.team_id, v.unit_id, v.semester) for v in solved.plan.visits}
    for link in LINKS:
        for semester in ("spring", "autumn"):
            assert (link.team_id, link.unit_id, semester) in done


def test_it_pairs_every_unit_once_each_way_without_self_reciprocal_or_repeated_pairs(solved):
    # R-O13: each unit invites exactly one other unit and sits in on exactly one other unit.
    previous = set(PREVIOUS_PAIRS)
    for semester in ("spring", "autumn"):
        pairs = solved.plan.cross_pairs[semester]
        assert sorted(p.host_id for p in pairs) == [u.id for u in UNITS]
        assert sorted(p.visitor_id for p in pairs) == [u.id for u in UNITS]
        assert all(p.host_id != p.visitor_id for p in pairs)
        assert not any(CrossPair(p.visitor_id, p.host_id) in pairs for p in pairs)
        assert not set(pairs) & previous
        previous = set(pairs)


def test_it_keeps_the_invited_visit_exactly_as_pinned(solved):
    assert Visit("u3", "t2", "spring", 4, pinned=True) in solved.plan.visits


def test_it_never_sends_a_team_or_a_leader_with_a_conflict_of_interest(solved):
    pairs = {(v.unit_id, v.team_id) for v in solved.plan.visits}
    assert ("u1", "t2") not in pairs  # the president's team, by team
    assert ("u2", "t3") not in pairs  # the deputy secretary, by leader


def test_it_respects_months_away_and_the_monthly_cap(solved):
    months = Counter((v.team_id, v.month) for v in solved.plan.visits)
    assert months[("t3", 3)] == months[("t3", 9)] == 0
    assert max(months.values()) <= 2
    assert all(v.month in (SPRING.months if v.semester == "spring" else AUTUMN.months) for v in solved.plan.visits)


def test_it_respects_a_team_capacity_per_semester():
    capped = dataclasses.replace(SECRETARY_TEAM, capacity_per_semester=2)
    instance = college(teams=(capped, PRESIDENT_TEAM, DEPUTY_TEAM))
    result = _solve(instance)
    per_semester = Counter((v.team_id, v.semester) for v in result.plan.visits)
    assert per_semester[("t1", "spring")] <= 2 and per_semester[("t1", "autumn")] <= 2
    assert check_plan(instance, result.plan) == []


def test_it_prefers_the_linked_team_and_evens_out_the_workload():
    # Without the Lanzhou rule nothing forces the linked team; R-O3 still prefers it.
    instance = college(lanzhou_rule=False)
    result = _solve(instance)
    metrics = plan_metrics(instance, result.plan)
    assert metrics.linked_share >= 0.8
    assert metrics.team_range <= 1
    assert metrics.violations == {}


def test_it_reports_the_objective_the_metrics_recompute_from_the_plan(solved):
    # The benchmark compares solver and baseline by `objective_value`; both must mean the same.
    assert solved.objective == objective_value(college(), solved.plan)
    assert solved.best_bound == solved.objective


def test_it_gives_the_same_plan_for_the_same_seed_with_one_worker():
    first = _solve(college(random_seed=11))
    second = _solve(college(random_seed=11))
    assert first.plan == second.plan


def test_it_plans_without_cross_observation_when_that_is_switched_off():
    result = _solve(college(cross_observation=False))
    assert result.plan.cross_pairs == {}
    assert [p.name for p in result.parts] == ["visits"]


def test_it_widens_the_candidate_teams_when_the_alternates_are_too_few():
    # With no alternates a unit without a linked team has no candidate team at all; the solver
    # finds the model infeasible and retries with every allowed team.
    lone = Unit("u7", "档案馆直属党支部")
    instance = college(units=(*UNITS, lone), team_candidates=0, lanzhou_rule=False, cross_observation=False)
    result = _solve(instance)
    assert "u7" in {v.unit_id for v in result.plan.visits}
    assert check_plan(instance, result.plan) == []


# --- Infeasible instances are explained in Chinese --------------------------------------------


def _explained(instance: PlanningInstance) -> str:
    result = solve_plan(instance)
    assert result.status == SolveStatus.INFEASIBLE
    assert result.plan is None
    return "\n".join(result.explanations)


def test_it_names_the_units_that_every_team_must_step_aside_from():
    conflicts = (*CONFLICTS, *(Conflict(u, team_id=t) for u in ("u3", "u5") for t in ("t1", "t2", "t3")))
    text = _explained(college(conflicts=conflicts, lanzhou_rule=False, pins=()))
    assert "以下单位的所有工作组均存在回避关系，无法安排巡听旁听（R-O11）：信息工程学院党委、艺术设计学院党总支" in text


def test_it_says_when_the_round_needs_more_visits_than_the_teams_can_make():
    instance = college(
        lanzhou_rule=False,
        pins=(),
        observed_last_year=frozenset(),
        semesters=(Semester("spring", "春季学期", (3,)),),
        max_visits_per_team_per_month=1,
        cross_observation=False,
    )
    text = _explained(instance)
    assert "两年轮次内需巡听的单位数（6）超过工作组全年可用容量（2）" in text


def test_it_says_cross_observation_needs_three_units():
    instance = college(
        units=UNITS[:2],
        links=LINKS[:2],
        conflicts=(),
        previous_cross_pairs=(),
        pins=(),
        observed_last_year=frozenset({"u2"}),
        lanzhou_rule=False,
    )
    assert "交叉旁听至少需要3个单位（当前2个）" in _explained(instance)


def test_it_names_a_linked_team_that_is_away_for_a_whole_semester():
    away = dataclasses.replace(DEPUTY_TEAM, unavailable_months=frozenset({9, 10, 11, 12}))
    text = _explained(college(teams=(SECRETARY_TEAM, PRESIDENT_TEAM, away)))
    assert (
        "「党委副书记工作组」秋季学期各月均不可用，无法巡听挂钩单位（R-O12）：艺术设计学院党总支、图书馆直属党支部"
        in text
    )


def test_it_names_a_pin_that_breaks_a_conflict_of_interest():
    text = _explained(college(pins=(Pin("u1", "t2", "spring", 4),)))
    assert "固定安排与回避关系冲突：「校长工作组」不得巡听「马克思主义学院党委」" in text


def test_it_names_the_unit_left_out_when_only_the_solver_can_tell():
    # Counting passes (three teams, plenty of months) but u1 and u3 can only be visited by the
    # secretary's team, which has a single slot all year: one of them cannot be covered (R-O11).
    secretary = dataclasses.replace(SECRETARY_TEAM, unavailable_months=frozenset({4, 5, 6, 7, 9, 10, 11, 12}))
    conflicts = (
        Conflict("u1", team_id="t2"),
        Conflict("u1", team_id="t3"),
        Conflict("u3", team_id="t2"),
        Conflict("u3", team_id="t3"),
    )
    instance = college(
        teams=(secretary, PRESIDENT_TEAM, DEPUTY_TEAM),
        conflicts=conflicts,
        pins=(),
        lanzhou_rule=False,
        cross_observation=False,
        max_visits_per_team_per_month=1,
    )
    assert explain_infeasibility(instance) == []
    text = _explained(instance)
    assert "以下单位无法安排巡听，两年轮次无法全覆盖（R-O11）" in text
    assert ("马克思主义学院党委" in text) != ("信息工程学院党委" in text)


def test_it_names_cross_observation_pairs_that_cannot_avoid_repeating_last_semester():
    # Three units allow only two cycles; if last semester used both directions, spring must repeat.
    three = UNITS[:3]
    both_ways = tuple(CrossPair(a.id, b.id) for a in three for b in three if a != b)
    instance = college(
        units=three,
        links=LINKS[:3],
        conflicts=(),
        pins=(),
        previous_cross_pairs=both_ways,
        observed_last_year=frozenset({"u2"}),
        lanzhou_rule=False,
    )
    text = _explained(instance)
    assert "交叉旁听无法避免与上学期重复的配对（R-O13）" in text
    assert "春季学期" in text


def test_it_rejects_malformed_input_in_chinese():
    with pytest.raises(ValueError, match="挂钩关系引用了不存在的单位或工作组"):
        solve_plan(college(links=(*LINKS, Link("t9", "u1"))))
    with pytest.raises(ValueError, match="单位编号重复：u1"):
        solve_plan(college(units=(*UNITS, Unit("u1", "重复"))))


# --- Large instances: candidate partners and the baseline ------------------------------------


def test_it_offers_each_unit_only_forward_ring_neighbours_when_there_are_many_units():
    many = tuple(Unit(f"m{i:03d}", f"第{i}单位") for i in range(200))
    instance = PlanningInstance(year=2026, units=many, teams=TEAMS, options=PlannerOptions(cross_candidates=10))
    ring, partners, forward_only = cross_partners(instance, 10)
    assert forward_only
    assert all(len(hosts) == 10 and unit not in hosts for unit, hosts in partners.items())
    arcs = {(v, h) for v, hosts in partners.items() for h in hosts}
    assert not any((h, v) in arcs for v, h in arcs)  # R-O13: no reciprocal pair can even be built
    assert ring == cross_partners(instance, 10)[0]  # seeded: the same ring every time


def test_it_pairs_two_hundred_units_within_their_candidate_partners():
    many = tuple(Unit(f"m{i:03d}", f"第{i}单位") for i in range(200))
    previous = tuple(CrossPair(many[(i + 1) % 200].id, many[i].id) for i in range(200))
    instance = PlanningInstance(
        year=2026,
        units=many,
        teams=TEAMS,
        observed_last_year=frozenset(u.id for u in many),
        previous_cross_pairs=previous,
        options=PlannerOptions(cross_candidates=10, num_workers=1, time_limit_seconds=20),
    )
    result = _solve(instance)
    assert check_plan(instance, result.plan) == []


def test_the_baseline_pairs_units_in_one_random_cycle_and_may_repeat_last_semester():
    instance = college()
    plan = baseline_plan(instance, seed=3)
    for semester in ("spring", "autumn"):
        pairs = {p.visitor_id: p.host_id for p in plan.cross_pairs[semester]}
        seen, unit = [], "u1"
        while unit not in seen:
            seen.append(unit)
            unit = pairs[unit]
        assert len(seen) == len(UNITS)  # one cycle through all: no self-visit, no 2-cycle
    assert baseline_plan(instance, seed=3) == plan
    kinds = {v.kind for v in check_plan(instance, plan)}
    assert kinds <= {ViolationKind.CROSS_REPEAT}  # the checker counts what the baseline gets wrong
