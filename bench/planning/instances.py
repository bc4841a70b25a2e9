"""Synthetic planning instances at three scales, generated deterministically from a seed.

The shapes follow the seeds in `shared/seeds`: a college with eight school leaders each
linked to three to five colleges (the Lanzhou scheme, R-O12), a city system and a province.
Link portfolios are uneven (some leaders carry far more units than others), a few units have
a second linked leader, a few conflicts of interest (回避) exist, some leaders are away for a
month or two, some teams have a semester cap, half of the units were observed last year, last
autumn's cross-observation pairs are one random cycle, and a few invited visits are pinned.

R-O20: 70% of the units have an annual study plan with center-group sessions in two to six of
the nine semester months (the planner prefers those months); the others have none. These come
from a generator of their own, so every other part of an instance is the one measured before
(`planned_months=False` leaves them out).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pangting.lib.planner import (
    Conflict,
    CrossPair,
    Link,
    Pin,
    PlannerOptions,
    PlanningInstance,
    Team,
    Unit,
)


@dataclass(frozen=True)
class Scale:
    name: str
    units: int
    teams: int
    lanzhou_rule: bool
    time_limit_seconds: float
    pins: int


SCALES: dict[str, Scale] = {
    "college": Scale("college", 30, 8, lanzhou_rule=True, time_limit_seconds=5.0, pins=2),
    "city": Scale("city", 500, 60, lanzhou_rule=False, time_limit_seconds=20.0, pins=10),
    "province": Scale("province", 5000, 300, lanzhou_rule=False, time_limit_seconds=60.0, pins=40),
}


def generate(
    scale: Scale, seed: int = 2026, *, time_limit_seconds: float | None = None, planned_months: bool = True
) -> PlanningInstance:
    rng = random.Random(f"{seed}:{scale.name}")  # noqa: S311 - reproducible synthetic data, not secrets
    units = tuple(Unit(f"u{i:04d}", f"第{i + 1}单位党委") for i in range(scale.units))
    if planned_months:
        plans = random.Random(f"{seed}:{scale.name}:planned-months")  # noqa: S311 - reproducible synthetic data
        semester_months = (3, 4, 5, 6, 7, 9, 10, 11, 12)
        units = tuple(
            Unit(u.id, u.name, planned_months=frozenset(plans.sample(semester_months, plans.randint(2, 6))))
            if plans.random() < 0.7
            else u
            for u in units
        )
    leader_ids = [f"l{j:03d}" for j in range(scale.teams)]

    teams: list[Team] = []
    spring, autumn = (3, 4, 5, 6, 7), (9, 10, 11, 12)
    for j, leader_id in enumerate(leader_ids):
        away: set[int] = set()
        roll = rng.random()
        if roll < 0.1:
            away = {rng.choice(spring), rng.choice(autumn)}
        elif roll < 0.4:
            away = {rng.choice(spring + autumn)}
        capacity = rng.choice((6, 8)) if rng.random() < 0.2 and not scale.lanzhou_rule else None
        teams.append(Team(f"t{j:03d}", f"第{j + 1}巡听旁听工作组", leader_id, capacity, frozenset(away)))

    # Uneven portfolios: a leader's number of linked units is proportional to a weight drawn
    # between 0.6 and 1.4 (0.75–1.25 in a college, whose leaders each take three to five).
    spread = 0.25 if scale.lanzhou_rule else 0.4
    weights = [rng.uniform(1 - spread, 1 + spread) for _ in teams]
    quotas = [w * scale.units / sum(weights) for w in weights]
    sizes = [int(q) for q in quotas]
    by_remainder = sorted(range(len(teams)), key=lambda j: quotas[j] - sizes[j], reverse=True)
    for j in by_remainder[: scale.units - sum(sizes)]:
        sizes[j] += 1
    order = list(units)
    rng.shuffle(order)
    links: list[Link] = []
    primary: dict[str, str] = {}
    start = 0
    for team, size in zip(teams, sizes, strict=True):
        for unit in order[start : start + size]:
            primary[unit.id] = team.id
            links.append(Link(team.id, unit.id))
        start += size
    for unit in units:
        if rng.random() < 0.05:
            second = rng.choice([t for t in teams if t.id != primary[unit.id]])
            links.append(Link(second.id, unit.id))
    linked_to = {(link.team_id, link.unit_id) for link in links}

    # A leader who must visit every linked unit every semester (R-O12) is not sent away for
    # months they need: keep the instance feasible, as a real plan would be drawn up.
    if scale.lanzhou_rule:
        portfolio = {t.id: sum(1 for link in links if link.team_id == t.id) for t in teams}
        for j, team in enumerate(teams):
            needed = portfolio[team.id]
            for months in (spring, autumn):
                if 2 * sum(1 for m in months if m not in team.unavailable_months) < needed:
                    team = Team(team.id, team.name, team.leader_id, team.capacity_per_semester, frozenset())
            teams[j] = team

    conflicts: list[Conflict] = []
    for unit in rng.sample(units, max(1, scale.units // 50)):
        others = [t for t in teams if (t.id, unit.id) not in linked_to]
        conflicts.append(Conflict(unit.id, team_id=rng.choice(others).id, reason="亲属在该单位任职"))
    for unit in rng.sample(units, max(1, scale.units // 200)):
        others = [t for t in teams if (t.id, unit.id) not in linked_to]
        conflicts.append(Conflict(unit.id, leader_id=rng.choice(others).leader_id, reason="曾在该单位任主要负责人"))

    observed = frozenset(u.id for u in rng.sample(units, scale.units // 2))

    ring = [u.id for u in units]
    rng.shuffle(ring)
    previous = tuple(CrossPair(ring[(i + 1) % len(ring)], ring[i]) for i in range(len(ring)))

    pins: list[Pin] = []
    team_by_id = {t.id: t for t in teams}
    for unit in rng.sample(units, scale.pins):
        team = team_by_id[primary[unit.id]]
        semester, months = rng.choice((("spring", spring), ("autumn", autumn)))
        free = [m for m in months if m not in team.unavailable_months]
        pins.append(Pin(unit.id, team.id, semester, rng.choice(free), reason="应邀式巡听"))

    options = PlannerOptions(
        lanzhou_rule=scale.lanzhou_rule,
        cross_observation=True,
        max_visits_per_team_per_month=2,
        time_limit_seconds=time_limit_seconds or scale.time_limit_seconds,
        random_seed=seed,
        num_workers=2,
    )
    return PlanningInstance(
        year=2026,
        units=units,
        teams=tuple(teams),
        links=tuple(links),
        conflicts=tuple(conflicts),
        observed_last_year=observed,
        previous_cross_pairs=previous,
        pins=tuple(pins),
        options=options,
    )
