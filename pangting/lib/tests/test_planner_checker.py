"""The plan checker catches each kind of hard-rule violation in hand-made plans of the college."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from pangting.lib.planner import (
    CrossPair,
    Plan,
    PlanningInstance,
    ViolationKind,
    Visit,
    check_plan,
    plan_metrics,
)
from pangting.lib.tests.test_planner import SECRETARY_TEAM, UNITS, college

IDS = [u.id for u in UNITS]


def _shifted(shift: int) -> tuple[CrossPair, ...]:
    """Each unit sits in on the unit `shift` places after it: visitor u_i → host u_(i+shift)."""
    return tuple(sorted(CrossPair(IDS[(i + shift) % 6], IDS[i]) for i in range(6)))


def _arcs(*visitor_host: str) -> tuple[CrossPair, ...]:
    return tuple(sorted(CrossPair(a[1], a[0]) for a in (pair.split(">") for pair in visitor_host)))


VALID = Plan(
    visits=(
        Visit("u1", "t1", "spring", 3),
        Visit("u2", "t1", "spring", 4),
        Visit("u3", "t2", "spring", 4, pinned=True),
        Visit("u4", "t2", "spring", 5),
        Visit("u5", "t3", "spring", 4),
        Visit("u6", "t3", "spring", 5),
        Visit("u1", "t1", "autumn", 9),
        Visit("u2", "t1", "autumn", 10),
        Visit("u3", "t2", "autumn", 9),
        Visit("u4", "t2", "autumn", 10),
        Visit("u5", "t3", "autumn", 10),
        Visit("u6", "t3", "autumn", 11),
    ),
    # Last autumn was shift +1; spring uses two 3-cycles (shift +2), autumn runs backwards.
    cross_pairs={"spring": _shifted(2), "autumn": _shifted(-1)},
)


def _replace_visit(plan: Plan, old: Visit, new: Visit | None) -> Plan:
    visits = [v for v in plan.visits if v != old]
    assert len(visits) == len(plan.visits) - 1, old
    return dataclasses.replace(plan, visits=tuple(visits + ([new] if new else [])))


def _add_visits(plan: Plan, *extra: Visit) -> Plan:
    return dataclasses.replace(plan, visits=plan.visits + extra)


def _cross(plan: Plan, **pairs: tuple[CrossPair, ...]) -> Plan:
    return dataclasses.replace(plan, cross_pairs={**plan.cross_pairs, **pairs})


def test_it_finds_nothing_wrong_with_a_plan_that_keeps_every_rule():
    assert check_plan(college(), VALID) == []
    assert plan_metrics(college(), VALID).violations == {}


CASES: dict[str, tuple[Callable[[], PlanningInstance], Callable[[Plan], Plan], ViolationKind]] = {
    # R-O11: u1 was not observed last year and is not visited this year.
    "a unit left out of the two-year round (R-O11)": (
        lambda: college(lanzhou_rule=False),
        lambda p: dataclasses.replace(p, visits=tuple(v for v in p.visits if v.unit_id != "u1")),
        ViolationKind.COVERAGE,
    ),
    # R-O12: the secretary's team skips its linked unit u2 in the autumn.
    "a linked unit skipped for a semester (R-O12)": (
        college,
        lambda p: _replace_visit(p, Visit("u2", "t1", "autumn", 10), None),
        ViolationKind.LINKED_EACH_SEMESTER,
    ),
    "a team with a conflict of interest": (
        lambda: college(lanzhou_rule=False),
        lambda p: _replace_visit(p, Visit("u1", "t1", "spring", 3), Visit("u1", "t2", "spring", 3)),
        ViolationKind.CONFLICT,
    ),
    "a leader with a conflict of interest": (
        lambda: college(lanzhou_rule=False),
        lambda p: _replace_visit(p, Visit("u2", "t1", "spring", 4), Visit("u2", "t3", "spring", 4)),
        ViolationKind.CONFLICT,
    ),
    "a month the team is away": (
        college,
        lambda p: _replace_visit(p, Visit("u5", "t3", "spring", 4), Visit("u5", "t3", "spring", 3)),
        ViolationKind.UNAVAILABLE,
    ),
    "more visits in a month than the cap": (
        college,
        lambda p: _add_visits(p, Visit("u3", "t1", "spring", 3), Visit("u4", "t1", "spring", 3)),
        ViolationKind.MONTH_CAPACITY,
    ),
    "more visits in a semester than the team's capacity": (
        lambda: college(teams=(dataclasses.replace(SECRETARY_TEAM, capacity_per_semester=1), *college().teams[1:])),
        lambda p: p,
        ViolationKind.SEMESTER_CAPACITY,
    ),
    "a pin moved to another month": (
        college,
        lambda p: _replace_visit(p, Visit("u3", "t2", "spring", 4, pinned=True), Visit("u3", "t2", "spring", 5)),
        ViolationKind.PIN_MISSING,
    ),
    "a visit to a unit that does not exist": (
        college,
        lambda p: _add_visits(p, Visit("u99", "t1", "spring", 6)),
        ViolationKind.UNKNOWN_REFERENCE,
    ),
    "a visit in a month outside its semester": (
        college,
        lambda p: _add_visits(p, Visit("u1", "t1", "spring", 8)),
        ViolationKind.UNKNOWN_REFERENCE,
    ),
    # R-O13: dropping one pair leaves one unit inviting nobody and another visiting nobody.
    "a unit left without a cross-observation partner (R-O13)": (
        college,
        lambda p: _cross(p, spring=p.cross_pairs["spring"][1:]),
        ViolationKind.CROSS_DEGREE,
    ),
    "a unit sent to observe itself (R-O13)": (
        college,
        lambda p: _cross(p, spring=(CrossPair("u1", "u1"), *p.cross_pairs["spring"][1:])),
        ViolationKind.CROSS_SELF,
    ),
    "two units observing each other (R-O13)": (
        college,
        lambda p: _cross(p, spring=_arcs("u1>u4", "u4>u1", "u2>u5", "u5>u3", "u3>u6", "u6>u2")),
        ViolationKind.CROSS_RECIPROCAL,
    ),
    "a pair repeated from last autumn (R-O13)": (
        college,
        lambda p: _cross(p, spring=_shifted(1)),
        ViolationKind.CROSS_REPEAT,
    ),
    "a pair repeated from spring to autumn (R-O13)": (
        college,
        lambda p: _cross(p, autumn=p.cross_pairs["spring"]),
        ViolationKind.CROSS_REPEAT,
    ),
}


@pytest.mark.parametrize(("make_instance", "break_plan", "kind"), CASES.values(), ids=CASES.keys())
def test_it_catches_a_hand_made_violation(make_instance, break_plan, kind):
    instance = make_instance()
    violations = check_plan(instance, break_plan(VALID))
    kinds = {v.kind for v in violations}
    if kind == ViolationKind.CROSS_SELF:
        assert kind in kinds  # a self-pair also leaves the degrees wrong
    else:
        assert kinds == {kind}
    assert all(v.message and any("\u4e00" <= ch <= "\u9fff" for ch in v.message) for v in violations)


def test_it_names_the_unit_and_cites_the_rule_in_its_message():
    (violation,) = check_plan(
        college(lanzhou_rule=False),
        dataclasses.replace(VALID, visits=tuple(v for v in VALID.visits if v.unit_id != "u1")),
    )
    assert violation.unit_ids == ("u1",)
    assert violation.message == "「马克思主义学院党委」上一年度未被巡听，本年度也未安排，两年轮次无法全覆盖（R-O11）。"


def test_it_counts_violations_by_kind_in_the_metrics():
    broken = _cross(VALID, spring=_shifted(1))
    assert plan_metrics(college(), broken).violations == {"R-O13-repeat": 6}
