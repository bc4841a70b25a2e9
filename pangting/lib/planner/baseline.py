"""The yardstick the solver must beat: what a careful clerk would do by hand, greedily.

Pins first; then (with the Lanzhou rule) each link in each semester in the team's least-loaded
month; then each unit that must be observed this year (R-O11), in id order, to the least-loaded
allowed team and month. Cross-observation is one random cycle per semester. The baseline never
looks ahead, so it may break rules a search would keep; `check_plan` counts that.
"""

from __future__ import annotations

import random
from collections import defaultdict

from pangting.lib.planner.instance import CrossPair, Plan, PlanningInstance, Visit


def baseline_plan(instance: PlanningInstance, seed: int = 0) -> Plan:
    index = instance.index
    cap = instance.options.max_visits_per_team_per_month
    team_load: dict[str, int] = defaultdict(int)
    cell_load: dict[tuple[str, int], int] = defaultdict(int)
    month_load: dict[int, int] = defaultdict(int)
    semester_load: dict[tuple[str, str], int] = defaultdict(int)
    visits: list[Visit] = []

    def place(unit_id: str, team_id: str, month: int, pinned: bool = False) -> None:
        sem_key = index.month_semester[month]
        visits.append(Visit(unit_id, team_id, sem_key, month, pinned))
        team_load[team_id] += 1
        cell_load[(team_id, month)] += 1
        month_load[month] += 1
        semester_load[(team_id, sem_key)] += 1

    def full(team_id: str, month: int) -> bool:
        semester_cap = index.team[team_id].capacity_per_semester
        sem_key = index.month_semester[month]
        return cell_load[(team_id, month)] >= cap or (
            semester_cap is not None and semester_load[(team_id, sem_key)] >= semester_cap
        )

    for pin in instance.pins:
        place(pin.unit_id, pin.team_id, pin.month, pinned=True)

    # R-O12 (when on): the linked team, in its least-loaded month of each semester.
    if instance.options.lanzhou_rule:
        for team_id, unit_id in index.linked_pairs():
            if not index.allowed(unit_id, team_id):
                continue
            for sem_key in index.semester_keys:
                if (unit_id, team_id, sem_key) in index.pinned_triples:
                    continue
                months = index.pair_months(unit_id, team_id, sem_key)
                if months:
                    month = min(months, key=lambda m: (full(team_id, m), cell_load[(team_id, m)], month_load[m], m))
                    place(unit_id, team_id, month)

    # R-O11: each unit still uncovered goes to the least-loaded allowed team and month.
    visited = {v.unit_id for v in visits}
    for unit_id in index.required_units:
        if unit_id in visited:
            continue
        linked = index.linked_teams.get(unit_id, set())
        options = [
            (team_id, month)
            for team_id in index.candidate_teams[unit_id]
            for sem_key in index.semester_keys
            for month in index.pair_months(unit_id, team_id, sem_key)
        ]
        if not options:
            continue
        team_id, month = min(
            options,
            key=lambda o: (
                full(*o),
                team_load[o[0]],
                cell_load[o],
                month_load[o[1]],
                o[0] not in linked,
                o,
            ),
        )
        place(unit_id, team_id, month)
        visited.add(unit_id)

    cross: dict[str, tuple[CrossPair, ...]] = {}
    if instance.options.cross_observation and len(index.unit_ids) >= 3:
        rng = random.Random(f"{seed}:baseline-cross")  # noqa: S311 - seeded and reproducible by design  # nosec B311
        for sem_key in index.semester_keys:
            order = list(index.unit_ids)
            rng.shuffle(order)
            # One cycle through all units: no self-visit and, for n >= 3, no reciprocal pair.
            cross[sem_key] = tuple(sorted(CrossPair(order[(i + 1) % len(order)], order[i]) for i in range(len(order))))
    return Plan(tuple(sorted(visits)), cross)
