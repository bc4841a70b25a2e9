"""The annual plan as two CP-SAT models: visits, and cross-observation.

The two parts share no constraint and no objective term, so they are solved as separate
models: each stays small, and a hard cross-observation instance cannot starve the visits.

Visits (see `_VisitModel`). Forced visits — pins, and the Lanzhou rule's link visits — are
constants; the decisions are which extra (unit, team) visits to make and how many visits
each team makes in each month. Only candidate pairs get a variable
(`InstanceIndex.candidate_teams`). No hint is given: hinting the greedy baseline was measured
to anchor the search on the greedy plan (province: objective 13,152 after 60 s instead of the
proven optimum 1,730 in 25 s without it). When units planned their own session months
(R-O20), a second, small model keeps the first one's teams and re-chooses the months with the
whole objective (see `_solve_visits`).

Cross-observation (R-O13). Per semester, a Boolean per (visitor, host) arc among ~30 candidate
partners per unit (neighbours on a seeded ring, symmetric so reciprocal arcs can be excluded):
exactly one arc out and one in per unit, at most one of an arc and its mirror, and no arc used
in the previous semester. A uniform shift along the ring is always one valid answer, so
restricting candidates rarely costs feasibility; if it does, the model is rebuilt wider.
"""

from __future__ import annotations

import enum
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from pangting.lib.messages import N_, Message
from pangting.lib.planner.instance import (
    CrossPair,
    InstanceIndex,
    Plan,
    PlanningInstance,
    Visit,
    validate_instance,
)
from pangting.lib.planner.precheck import explain_infeasibility, free_capacity

_CROSS_SHARE_OF_TIME = 0.5  # an upper bound: the visits get whatever the cross part leaves
_FULL_CANDIDATES_LIMIT = 200_000  # (unit, team) pairs beyond which "every team" is not tried


class SolveStatus(enum.StrEnum):
    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"
    MODEL_INVALID = "MODEL_INVALID"


_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.UNKNOWN: SolveStatus.UNKNOWN,
    cp_model.MODEL_INVALID: SolveStatus.MODEL_INVALID,
}
_WORST_FIRST = [
    SolveStatus.MODEL_INVALID,
    SolveStatus.INFEASIBLE,
    SolveStatus.UNKNOWN,
    SolveStatus.FEASIBLE,
    SolveStatus.OPTIMAL,
]


@dataclass(frozen=True)
class PartReport:
    """How one of the two models went: for the benchmark and for the solver-run log."""

    name: str
    status: SolveStatus
    objective: float | None
    best_bound: float | None
    wall_time: float
    booleans: int


@dataclass(frozen=True)
class PlanResult:
    """The outcome of `solve_plan`; `plan` is None unless the status is OPTIMAL or FEASIBLE.

    `objective` and `best_bound` are those of the last visits model, which has the whole
    objective (the cross-observation model has none); `gap` is |objective − bound| /
    max(1, |objective|). `explanations` say in Chinese why there is no plan.
    """

    status: SolveStatus
    plan: Plan | None
    objective: float | None
    best_bound: float | None
    gap: float | None
    wall_time: float
    explanations: tuple[str, ...] = ()
    parts: tuple[PartReport, ...] = ()


def _new_solver(instance: PlanningInstance, time_limit: float, *, visits: bool) -> cp_model.CpSolver:
    opts = instance.options
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = opts.num_workers
    solver.parameters.random_seed = opts.random_seed
    if visits and opts.num_workers == 1:
        # One worker runs a single search; on the visits model the full linear relaxation guides
        # it best (measured: province proven optimal in 9–12 s, no plan in 50 s at the default
        # level). On the cross-observation model it only slows the search down.
        solver.parameters.linearization_level = 2
    return solver


def solve_plan(instance: PlanningInstance) -> PlanResult:
    """Plan the year: pre-check, solve cross-observation, solve visits, combine.

    Raises ValueError for malformed input; an impossible but well-formed instance comes back
    as INFEASIBLE with Chinese explanations.
    """
    validate_instance(instance)
    started = time.perf_counter()
    deadline = started + instance.options.time_limit_seconds
    reasons = explain_infeasibility(instance)
    if reasons:
        return PlanResult(SolveStatus.INFEASIBLE, None, None, None, None, time.perf_counter() - started, tuple(reasons))

    parts: list[PartReport] = []
    explanations: list[str] = []
    cross: dict[str, tuple[CrossPair, ...]] = {}
    if instance.options.cross_observation:
        budget = max(1.0, _CROSS_SHARE_OF_TIME * instance.options.time_limit_seconds)
        cross_part, cross_pairs, cross_reasons = _solve_cross(instance, min(budget, deadline - time.perf_counter()))
        parts.append(cross_part)
        explanations += cross_reasons
        cross = cross_pairs or {}

    # Keep a little time back for turning the solution into dated visits, so that the whole
    # call, not only the search, stays within the time limit.
    reserve = min(2.0, 0.05 * instance.options.time_limit_seconds)
    visit_parts, visits, visit_reasons = _solve_visits(instance, deadline - reserve - time.perf_counter())
    parts += visit_parts
    explanations += visit_reasons

    status = next(s for s in _WORST_FIRST if any(p.status == s for p in parts))
    if status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE) or visits is None:
        if status == SolveStatus.UNKNOWN and not explanations:
            explanations.append(Message(N_("在给定时间内未找到可行方案，也未能证明无解；请延长求解时间后重试。")))
        return PlanResult(
            status, None, None, None, None, time.perf_counter() - started, tuple(explanations), tuple(parts)
        )
    # The last visits step has the whole objective (`metrics.objective_value`).
    objective, bound = visit_parts[-1].objective, visit_parts[-1].best_bound
    gap = abs(objective - bound) / max(1.0, abs(objective)) if objective is not None and bound is not None else None
    return PlanResult(
        status,
        Plan(tuple(sorted(visits)), cross),
        objective,
        bound,
        gap,
        time.perf_counter() - started,
        tuple(explanations),
        tuple(parts),
    )


# --- Visits -----------------------------------------------------------------------------------


class _VisitModel:
    """The visits model; `elastic=True` turns R-O11 and R-O12 into penalised slacks to name culprits.

    Forced visits are constants, not variables: pins, and with the Lanzhou rule each link in
    each semester (R-O12: the team, unit and semester are fixed; only the month is open). The
    free decisions are `x[u, t]`, an extra visit of unit u by team t this year — to cover a
    unit of the two-year round (R-O11), to revisit one (R-O17), or to even out workloads — at
    most one per unit and none for a unit with a pin. Months come from `z[t, m]`, the number of
    visits team t makes in month m, which must hold the team's forced visits of each semester
    and, over the year, all its visits. Each `x` sits in two rows (its unit, its team), a
    transportation structure whose linear relaxation is nearly integral, so the LP-driven
    search proves optimality quickly where a (unit, team, semester, month) model would not.

    R-O20 (a soft goal): a visit to a unit with planned session months (`Unit.planned_months`)
    scores better in one of them. Where the team's months are not all planned ones, the visit
    gets a Boolean per planned month, `prefer[(unit, team, semester or "")][month]`, at most one
    of them and only if the visit is made; each takes a slot of the team's month count, as a
    month-fixed visit does. A visit whose every possible month is planned needs no variable.
    """

    def __init__(
        self,
        instance: PlanningInstance,
        candidates: dict[str, list[str]],
        *,
        elastic: bool,
        prefer: bool = False,
        fixed_x: dict[tuple[str, str], int] | None = None,
    ) -> None:
        index = instance.index
        opts = instance.options
        weights = opts.weights
        cap = opts.max_visits_per_team_per_month
        model = cp_model.CpModel()
        self.model = model
        self.index = index
        self.instance = instance

        # A visit to a unit with blocked months (its liaison is away) gets its month chosen here,
        # `month_of[(unit, team, semester or "")][month]`; every other visit takes any free slot
        # of its team's month counts. `fixed[(team, month)]` collects those month choices.
        self.month_of: dict[tuple[str, str, str], dict[int, cp_model.IntVar]] = {}
        fixed: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        never = model.new_constant(0)

        # R-O20: visits placed in a month their unit planned a session in. `planned_terms` counts
        # them in the objective; `planned_fixed` counts those matched whatever the month. Month
        # choices in `prefer` take slots like `fixed` ones; the forced visits' (`prefer_forced`)
        # also count towards the semester's forced visits.
        prefer_on = prefer and not elastic and prefers_planned_months(instance)
        self.prefer: dict[tuple[str, str, str], dict[int, cp_model.IntVar]] = {}
        prefer_forced: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
        planned_terms: list[cp_model.IntVar] = []
        planned_fixed = 0

        def slot_months(team_id: str, sem_keys: list[str]) -> list[int]:
            """Months in which the team's month count can hold a visit (not all taken by pins)."""
            return [
                m
                for sem_key in sem_keys
                for m in index.available_months[(team_id, sem_key)]
                if cap - index.pins_by_team_month[(team_id, m)] > 0
            ]

        def prefer_choices(unit_id: str, team_id: str, sem_keys: list[str], key: str) -> list[cp_model.IntVar] | None:
            """None when every month the visit can take is planned; else one Boolean per planned month."""
            months = slot_months(team_id, sem_keys)
            planned = index.unit_planned[unit_id]
            if all(m in planned for m in months):
                return None
            choices = {m: model.new_bool_var("") for m in months if m in planned}
            for month, var in choices.items():
                fixed[(team_id, month)].append(var)
                planned_terms.append(var)
            if choices:
                self.prefer[(unit_id, team_id, key)] = choices
            return list(choices.values())

        def month_choices(unit_id: str, team_id: str, sem_keys: list[str], key: str) -> list[cp_model.IntVar]:
            choices: dict[int, cp_model.IntVar] = {}
            for sem_key in sem_keys:
                for month in index.pair_months(unit_id, team_id, sem_key):
                    if cap - index.pins_by_team_month[(team_id, month)] > 0:
                        choices[month] = model.new_bool_var("")
                        fixed[(team_id, month)].append(choices[month])
            self.month_of[(unit_id, team_id, key)] = choices
            return list(choices.values())

        # R-O12 (Lanzhou): the linked team visits each linked unit every semester.
        self.forced: dict[tuple[str, str], list[str]] = defaultdict(list)
        forced_units: set[str] = set()
        if opts.lanzhou_rule:
            for team_id, unit_id in index.linked_pairs():
                if not index.allowed(unit_id, team_id):
                    continue  # the pre-checks report this link
                forced_units.add(unit_id)
                for sem_key in index.semester_keys:
                    if (unit_id, team_id, sem_key) not in index.pinned_triples:
                        self.forced[(team_id, sem_key)].append(unit_id)
        linked_pairs = set(index.linked_pairs()) if opts.lanzhou_rule else set()
        self.slacks: dict[tuple[str, ...], cp_model.IntVar] = {}
        for (team_id, sem_key), units in self.forced.items():
            for unit_id in units:
                if unit_id in index.unit_blocked:
                    choices = month_choices(unit_id, team_id, [sem_key], sem_key) or [never]
                    if elastic:
                        slack = model.new_bool_var("")
                        self.slacks[("R-O12", team_id, sem_key, unit_id)] = slack
                        model.add(cp_model.LinearExpr.sum(choices) + slack == 1)
                    else:
                        model.add_exactly_one(choices)
                elif prefer_on and unit_id in index.unit_planned:
                    matched = prefer_choices(unit_id, team_id, [sem_key], sem_key)
                    if matched is None:
                        planned_fixed += 1
                    elif matched:
                        model.add_at_most_one(matched)
                        prefer_forced[(team_id, sem_key)] += matched

        usable = {t for t in index.team_ids if any(free_capacity(instance, t, s) for s in index.semester_keys)}
        self.x: dict[tuple[str, str], cp_model.IntVar] = {}
        by_team: dict[str, list[cp_model.IntVar]] = defaultdict(list)
        for unit_id in index.unit_ids:
            if unit_id in index.pinned_units:
                continue  # the pinned visit is this unit's visit beyond what R-O12 requires
            extras = []
            for team_id in candidates[unit_id]:
                if team_id in usable and (team_id, unit_id) not in linked_pairs:
                    # None: any month (the unit has no blocked months); []: no month at all.
                    narrowed: list[cp_model.IntVar] | None = (
                        month_choices(unit_id, team_id, index.semester_keys, "")
                        if unit_id in index.unit_blocked
                        else None
                    )
                    if narrowed == []:
                        continue  # no month in which both the team and the unit's liaison can go
                    var = model.new_bool_var("")
                    if narrowed:
                        model.add(cp_model.LinearExpr.sum(narrowed) == var)
                    elif prefer_on and unit_id in index.unit_planned:
                        matched = prefer_choices(unit_id, team_id, index.semester_keys, "")
                        if matched is None:
                            planned_terms.append(var)
                        elif matched:
                            model.add(cp_model.LinearExpr.sum(matched) <= var)
                    self.x[(unit_id, team_id)] = var
                    if fixed_x is not None:
                        model.add(var == fixed_x.get((unit_id, team_id), 0))
                    by_team[team_id].append(var)
                    extras.append(var)
            if extras:
                model.add_at_most_one(extras)

        # R-O11: a unit not observed last year is observed this year (two-year round).
        for unit_id in index.required_units:
            if unit_id in index.pinned_units or unit_id in forced_units:
                continue
            terms = [self.x[(unit_id, t)] for t in candidates[unit_id] if (unit_id, t) in self.x]
            if elastic:
                slack = model.new_bool_var("")
                self.slacks[("R-O11", unit_id)] = slack
                terms.append(slack)
            model.add(cp_model.LinearExpr.sum(terms) >= 1)

        # Months: z holds each semester's forced visits (caps net of pins) and all extras.
        self.z: dict[tuple[str, int], cp_model.IntVar] = {}
        by_month: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        self.team_load: dict[str, cp_model.LinearExprT] = {}
        for team_id in index.team_ids:
            forced_total = sum(len(self.forced[(team_id, s)]) for s in index.semester_keys)
            year: list[cp_model.IntVar] = []
            for sem_key in index.semester_keys:
                zs = []
                for month in index.available_months[(team_id, sem_key)]:
                    upper = max(0, cap - index.pins_by_team_month[(team_id, month)])
                    if upper == 0 or (not by_team[team_id] and not forced_total):
                        continue
                    var = model.new_int_var(0, upper, "")
                    self.z[(team_id, month)] = var
                    by_month[month].append(var)
                    zs.append(var)
                    if fixed[(team_id, month)]:
                        model.add(var >= cp_model.LinearExpr.sum(fixed[(team_id, month)]))
                # The semester's other forced visits need slots its month-fixed visits leave free.
                needed = sum(1 for u in self.forced[(team_id, sem_key)] if u not in index.unit_blocked)
                sem_fixed = [v for m in index.semester[sem_key].months for v in fixed[(team_id, m)]]
                # A forced visit placed in a planned month (R-O20) is one of the semester's forced visits.
                semester_load = (
                    cp_model.LinearExpr.sum(zs)
                    - cp_model.LinearExpr.sum(sem_fixed)
                    + cp_model.LinearExpr.sum(prefer_forced[(team_id, sem_key)])
                )
                if needed and elastic:
                    slack = model.new_int_var(0, needed, "")
                    self.slacks[("R-O12", team_id, sem_key)] = slack
                    model.add(semester_load + slack >= needed)
                elif needed:
                    model.add(semester_load >= needed)
                if index.team[team_id].capacity_per_semester is not None:
                    model.add(cp_model.LinearExpr.sum(zs) <= free_capacity(instance, team_id, sem_key))
                year += zs
            model.add(cp_model.LinearExpr.sum(year) == forced_total + cp_model.LinearExpr.sum(by_team[team_id]))
            self.team_load[team_id] = (
                cp_model.LinearExpr.sum(by_team[team_id]) + forced_total + index.pins_by_team[team_id]
            )

        if elastic:
            model.minimize(cp_model.LinearExpr.sum(list(self.slacks.values())))
            return

        # Soft goals. Constant parts (pins, forced visits) are included so the objective equals
        # `metrics.objective_value` of the resulting plan.
        upper = len(index.unit_ids) * (len(index.semester_keys) + 1) + len(instance.pins)
        target = index.team_target
        team_dev = []
        for team_id in index.team_ids:
            if not index.team_has_time(team_id):
                continue
            over = model.new_int_var(0, upper, "")
            under = model.new_int_var(0, target, "")
            model.add(self.team_load[team_id] - target == over - under)
            team_dev += [over, under]
        pins_per_month: dict[int, int] = defaultdict(int)
        for pin in instance.pins:
            pins_per_month[pin.month] += 1
        max_month = model.new_int_var(0, upper, "max_month")
        min_month = model.new_int_var(0, upper, "min_month")
        for month in index.months:
            load = cp_model.LinearExpr.sum(by_month[month]) + pins_per_month[month]
            model.add(load <= max_month)
            model.add(load >= min_month)

        # R-O3: prefer the linked team; count visits by another team to a unit that has one.
        def unlinked(unit_id: str, team_id: str) -> bool:
            linked = index.linked_teams.get(unit_id)
            if not linked:
                return False
            return team_id not in linked

        unlinked_vars = [var for (u, t), var in self.x.items() if unlinked(u, t)]
        unlinked_pins = sum(1 for p in instance.pins if unlinked(p.unit_id, p.team_id))
        # R-O17: beyond the minimum: units observed last year that are visited again this year.
        revisit_vars = []
        revisit_fixed = 0
        for unit_id in sorted(instance.observed_last_year):
            if unit_id in index.pinned_units or unit_id in forced_units:
                revisit_fixed += 1
            else:
                revisit_vars += [self.x[(unit_id, t)] for t in candidates[unit_id] if (unit_id, t) in self.x]
        # R-O20: visits in a month their unit planned a session in (pins and month-fixed visits too).
        if prefer_on:
            planned_fixed += sum(1 for p in instance.pins if index.in_planned_month(p.unit_id, p.month))
            for (unit_id, _team_id, _key), month_vars in self.month_of.items():
                planned_terms += [var for month, var in month_vars.items() if index.in_planned_month(unit_id, month)]
        model.minimize(
            weights.team_spread * cp_model.LinearExpr.sum(team_dev)
            + weights.month_spread * (max_month - min_month)
            + weights.unlinked_visit * (cp_model.LinearExpr.sum(unlinked_vars) + unlinked_pins)
            - weights.extra_coverage * (cp_model.LinearExpr.sum(revisit_vars) + revisit_fixed)
            - weights.planned_month * (cp_model.LinearExpr.sum(planned_terms) + planned_fixed)
        )

    @property
    def booleans(self) -> int:
        return len(self.x) + sum(len(choices) for choices in self.prefer.values())

    def dated_visits(self, solver: cp_model.CpSolver) -> list[Visit]:
        """Turn forced visits, extras and monthly counts into dated visits, pins included.

        Visits whose month the model chose (units with blocked months, and visits placed in a
        planned month, R-O20) come first. Each team's remaining months are then filled in order:
        first each semester's forced visits, then the extras (in unit order) in whatever slots
        remain, semester by semester.
        """
        index = self.index
        visits = [Visit(p.unit_id, p.team_id, p.semester, p.month, pinned=True) for p in self.instance.pins]
        taken: dict[tuple[str, int], int] = defaultdict(int)
        placed: set[tuple[str, str, str]] = set()  # (unit, team, semester key or "") placed by `prefer`
        for choice_map, record in ((self.month_of, False), (self.prefer, True)):
            for (unit_id, team_id, key), choices in sorted(choice_map.items()):
                for month, var in choices.items():
                    if solver.boolean_value(var):
                        visits.append(Visit(unit_id, team_id, index.month_semester[month], month))
                        taken[(team_id, month)] += 1
                        if record:
                            placed.add((unit_id, team_id, key))
        extras: dict[str, list[str]] = defaultdict(list)
        for (unit_id, team_id), var in self.x.items():
            if solver.boolean_value(var) and unit_id not in index.unit_blocked and (unit_id, team_id, "") not in placed:
                extras[team_id].append(unit_id)
        for team_id in index.team_ids:
            queue = sorted(extras[team_id])
            for sem_key in index.semester_keys:
                slots = [
                    month
                    for month in index.available_months[(team_id, sem_key)]
                    if (team_id, month) in self.z
                    for _ in range(solver.value(self.z[(team_id, month)]) - taken[(team_id, month)])
                ]
                forced = [
                    u
                    for u in self.forced[(team_id, sem_key)]
                    if u not in index.unit_blocked and (u, team_id, sem_key) not in placed
                ]
                visits += [Visit(u, team_id, sem_key, m) for u, m in zip(forced, slots, strict=False)]
                free_slots = slots[len(forced) :]
                take, queue = queue[: len(free_slots)], queue[len(free_slots) :]
                visits += [Visit(u, team_id, sem_key, m) for u, m in zip(take, free_slots, strict=True)]
            if queue:  # the month counts of the model hold every extra visit; a bug if not
                raise RuntimeError("month counts must hold every extra visit")
        return visits


def _part(
    name: str, solver: cp_model.CpSolver, status: cp_model.CpSolverStatus, booleans: int, has_objective: bool
) -> PartReport:
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return PartReport(
        name,
        _STATUS[status],
        solver.objective_value if found and has_objective else None,
        solver.best_objective_bound if found and has_objective else None,
        solver.wall_time,
        booleans,
    )


def prefers_planned_months(instance: PlanningInstance) -> bool:
    """R-O20 applies: some unit has planned session months and their weight is positive."""
    return instance.options.weights.planned_month > 0 and bool(instance.index.unit_planned)


def _solve_visits(
    instance: PlanningInstance, time_limit: float
) -> tuple[list[PartReport], list[Visit] | None, list[str]]:
    """The visits in up to two steps: teams and month counts, then months (R-O20).

    Step one solves every goal but R-O20's month preference. Step two, only when some unit
    planned session months, keeps step one's choice of which teams visit which units and
    re-chooses the months with the full objective: month balance against visits placed in the
    units' planned months, as their weights say. One model with both was measured to lose the
    transportation structure (city: no proof in 20 s and a worse plan, against 1.4 s optimal),
    while step two is small (a Boolean per visit and planned month) and solves in a fraction
    of a second. The preference thus never changes a unit's team, only its month.
    """
    index = instance.index
    started = time.perf_counter()
    prefer = prefers_planned_months(instance)
    # Step two gets a share of the time, at least half a second.
    first_limit = time_limit - max(0.5, 0.15 * time_limit) if prefer else time_limit
    candidates = index.candidate_teams
    model = _VisitModel(instance, candidates, elastic=False)
    solver = _new_solver(instance, first_limit, visits=True)
    status = solver.solve(model.model)
    if status == cp_model.INFEASIBLE and _restricted(index, candidates):
        # The alternates were too few; retry with every allowed team where that stays small.
        candidates = index.candidate_teams_with(None)
        model = _VisitModel(instance, candidates, elastic=False)
        solver = _new_solver(instance, first_limit - (time.perf_counter() - started), visits=True)
        status = solver.solve(model.model)
    part = _part("visits", solver, status, model.booleans, has_objective=True)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and prefer:
        chosen = {key: solver.value(var) for key, var in model.x.items()}
        chosen_teams = {u: [t for t in teams if chosen.get((u, t))] for u, teams in candidates.items()}
        months = _VisitModel(instance, chosen_teams, elastic=False, prefer=True, fixed_x=chosen)
        month_solver = _new_solver(instance, time_limit - (time.perf_counter() - started), visits=True)
        # Measured (city, province): one worker with the full linear relaxation proves this model
        # optimal in well under the time the first step took; two workers, or a hint from the
        # first step, left the bound at its trivial value for the whole time limit.
        month_solver.parameters.num_workers = 1
        month_solver.parameters.linearization_level = 2
        month_status = month_solver.solve(months.model)
        if month_status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            month_part = _part("months", month_solver, month_status, months.booleans, has_objective=True)
            return [part, month_part], months.dated_visits(month_solver), []
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [part], model.dated_visits(solver), []
    if status == cp_model.INFEASIBLE:
        return [part], None, _diagnose_visits(instance, candidates, time_limit)
    return [part], None, []


def _restricted(index: InstanceIndex, candidates: dict[str, list[str]]) -> bool:
    everyone = sum(1 for u in index.unit_ids for t in index.team_ids if index.allowed(u, t) and index.team_has_time(t))
    return sum(len(c) for c in candidates.values()) < everyone <= _FULL_CANDIDATES_LIMIT


def _diagnose_visits(instance: PlanningInstance, candidates: dict[str, list[str]], time_limit: float) -> list[str]:
    """Relax R-O11 and R-O12 into slacks and report the fewest units/links that cannot be served."""
    index = instance.index
    model = _VisitModel(instance, candidates, elastic=True)
    solver = _new_solver(instance, max(1.0, time_limit), visits=True)
    status = solver.solve(model.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [Message(N_("工作组的每月或每学期容量与固定安排相互冲突，无法安排巡听（请检查固定安排和容量设置）。"))]
    uncovered = sorted(key[1] for key, var in model.slacks.items() if key[0] == "R-O11" and solver.value(var))
    missing: dict[tuple[str, str], int] = defaultdict(int)
    for key, var in model.slacks.items():
        if key[0] == "R-O12" and solver.value(var):
            missing[(key[1], key[2])] += solver.value(var)
    short = sorted((team_id, sem_key, count) for (team_id, sem_key), count in missing.items())
    messages: list[str] = []
    if uncovered:
        messages.append(
            Message(
                N_(
                    "在回避关系、工作组可用月份和容量的限制下，以下单位无法安排巡听，"
                    "两年轮次无法全覆盖（R-O11）：{units}。"
                ),
                units=[index.unit_name[u] for u in uncovered],
            )
        )
    for team_id, sem_key, count in short:
        messages.append(
            Message(
                N_(
                    "「{team}」{semester}的容量不足，挂钩单位中有{count}个"
                    "无法按每学期至少一次安排巡听（R-O12）；挂钩单位：{units}。"
                ),
                team=index.team[team_id].name,
                semester=index.semester[sem_key].label,
                count=count,
                units=[index.unit_name[u] for u in model.forced[(team_id, sem_key)]],
            )
        )
    if not messages:
        messages.append(Message(N_("约束相互冲突，无法安排巡听（放宽全覆盖与挂钩要求后仍无解，请检查容量设置）。")))
    return messages


# --- Cross-observation (R-O13) ------------------------------------------------------------------


def cross_partners(instance: PlanningInstance, size: int) -> tuple[list[str], dict[str, list[str]], bool]:
    """A seeded ring of the units and, per unit, the hosts it may visit; True if forward-only.

    With few units every other unit is a candidate host. Otherwise a unit may visit the `size`
    units that follow it on the ring: the mirror of such an arc goes backwards and is never a
    candidate, so no reciprocal pair (R-O13) can arise and the model needs no constraint for it,
    while any uniform shift along the ring remains a valid answer.
    """
    unit_ids = list(instance.index.unit_ids)
    ring = list(unit_ids)
    rng = random.Random(f"{instance.options.random_seed}:cross-ring")  # noqa: S311 - must be reproducible  # nosec B311
    rng.shuffle(ring)
    n = len(ring)
    if 2 * size >= n:
        return ring, {u: [v for v in unit_ids if v != u] for u in unit_ids}, False
    return (
        ring,
        {unit_id: [ring[(p + d) % n] for d in range(1, size + 1)] for p, unit_id in enumerate(ring)},
        True,
    )


class _CrossModel:
    """Per-semester host ← visitor arcs; `elastic=True` allows repeats at a cost, to name them."""

    def __init__(self, instance: PlanningInstance, size: int, *, elastic: bool) -> None:
        index = instance.index
        model = cp_model.CpModel()
        self.model = model
        ring, partners, forward_only = cross_partners(instance, size)
        self.arcs: dict[tuple[str, str, str], cp_model.IntVar] = {}
        self.repeats: list[tuple[str, str, str, cp_model.IntVar]] = []
        previous = {(p.visitor_id, p.host_id) for p in instance.previous_cross_pairs}
        keys = index.semester_keys
        used_shifts: list[int] = []
        for number, sem_key in enumerate(keys):
            outgoing: dict[str, list[cp_model.IntVar]] = defaultdict(list)
            incoming: dict[str, list[cp_model.IntVar]] = defaultdict(list)
            for visitor in index.unit_ids:
                for host in partners[visitor]:
                    repeated = number == 0 and (visitor, host) in previous
                    if repeated and not elastic:
                        continue  # R-O13: no pair repeated from the previous semester
                    var = model.new_bool_var("")
                    self.arcs[(sem_key, visitor, host)] = var
                    outgoing[visitor].append(var)
                    incoming[host].append(var)
                    if repeated:
                        self.repeats.append((sem_key, visitor, host, var))
            for unit_id in index.unit_ids:
                model.add_exactly_one(outgoing[unit_id])  # R-O13: visits exactly one other unit
                model.add_exactly_one(incoming[unit_id])  # R-O13: invites exactly one other unit
            for visitor in index.unit_ids:
                for host in partners[visitor]:
                    forward = self.arcs.get((sem_key, visitor, host))
                    if forward is None:
                        continue
                    if not forward_only and visitor < host:
                        mirror = self.arcs.get((sem_key, host, visitor))
                        if mirror is not None:
                            model.add_at_most_one([forward, mirror])  # R-O13: no reciprocal pair
                    if number > 0:
                        before = self.arcs.get((keys[number - 1], visitor, host))
                        if before is not None:
                            if elastic:
                                both = model.new_bool_var("")
                                model.add_bool_or([forward.Not(), before.Not(), both])
                                self.repeats.append((sem_key, visitor, host, both))
                            else:
                                model.add_at_most_one([forward, before])  # R-O13: no repeat
            # Complete hint: a uniform shift along the ring whose arcs all exist, different from
            # the previous semester's; when one exists the hint is a valid answer by itself.
            n = len(ring)
            shift = next(
                (
                    d
                    for d in range(1, n)
                    if 2 * d != n
                    and d not in used_shifts[-1:]
                    and all((sem_key, ring[p], ring[(p + d) % n]) in self.arcs for p in range(n))
                ),
                None,
            )
            if shift is not None:
                # Hinting the chosen arcs is enough: "exactly one" per unit implies the rest.
                used_shifts.append(shift)
                for p in range(n):
                    model.add_hint(self.arcs[(sem_key, ring[p], ring[(p + shift) % n])], 1)
        if elastic:
            model.minimize(cp_model.LinearExpr.sum([var for *_, var in self.repeats]))

    def pairs(self, solver: cp_model.CpSolver) -> dict[str, tuple[CrossPair, ...]]:
        chosen: dict[str, list[CrossPair]] = defaultdict(list)
        for (sem_key, visitor, host), var in self.arcs.items():
            if solver.boolean_value(var):
                chosen[sem_key].append(CrossPair(host, visitor))
        return {key: tuple(sorted(pairs)) for key, pairs in chosen.items()}


def _solve_cross(
    instance: PlanningInstance, time_limit: float
) -> tuple[PartReport, dict[str, tuple[CrossPair, ...]] | None, list[str]]:
    index = instance.index
    n = len(index.unit_ids)
    size = instance.options.cross_candidates
    sizes: Sequence[int] = [size] if size >= n - 1 else [size, min(n - 1, 4 * size)]
    started = time.perf_counter()
    for attempt in sizes:
        model = _CrossModel(instance, attempt, elastic=False)
        solver = _new_solver(instance, time_limit - (time.perf_counter() - started), visits=False)
        # A pure assignment feasibility model with a complete hint: presolve and symmetry
        # detection cost more than they save (measured: 5,000 units 9.5 s with presolve, 3.2 s
        # without; 30 units spend 0.6 s of 0.6 s computing symmetries).
        solver.parameters.cp_model_presolve = False
        solver.parameters.symmetry_level = 0
        status = solver.solve(model.model)
        if status != cp_model.INFEASIBLE:
            break
    part = _part("cross", solver, status, len(model.arcs), has_objective=False)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return part, model.pairs(solver), []
    if status != cp_model.INFEASIBLE:
        return part, None, [Message(N_("交叉旁听在给定时间内未找到方案，请延长求解时间后重试（R-O13）。"))]
    elastic = _CrossModel(instance, sizes[-1], elastic=True)
    solver = _new_solver(instance, max(1.0, time_limit), visits=False)
    solver.parameters.symmetry_level = 0
    if solver.solve(elastic.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        repeated = [
            Message(
                N_("{semester}「{visitor}」旁听「{host}」"),
                semester=index.semester[s].label,
                visitor=index.unit_name[v],
                host=index.unit_name[h],
            )
            for s, v, h, var in elastic.repeats
            if solver.boolean_value(var)
        ]
        if repeated:
            return part, None, [Message(N_("交叉旁听无法避免与上学期重复的配对（R-O13）：{pairs}。"), pairs=repeated)]
    return (
        part,
        None,
        [Message(N_("交叉旁听无法安排：每个单位邀请一个、旁听一个且不得互为对象的要求无法同时满足（R-O13）。"))],
    )
