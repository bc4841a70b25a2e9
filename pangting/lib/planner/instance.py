"""Plain input and output data of the annual observation plan (R-O1), with no Django in sight.

The planning app turns its models into these dataclasses, asks the planner for a plan, and
turns the plan back into draft visits. Ids are strings (`str(pk)`), so that the planner,
the checker and the benchmark share one notion of identity and ordering.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from pangting.lib.messages import N_, Message


@dataclass(frozen=True)
class Unit:
    """A secondary unit whose center group is observed (二级党组织).

    `unavailable_months` are months in which no visit to the unit can take place whoever leads
    the team: the months its liaison (联络员), who goes on every visit to it, cannot take part.
    `planned_months` are the months in which the unit itself planned a center-group session
    (R-O20: visits are chosen from the units' own planned sessions): a visit in one of them is
    preferred, a soft goal only. Empty: the unit has no plan, and no month is preferred.
    """

    id: str
    name: str
    unavailable_months: frozenset[int] = frozenset()
    planned_months: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Team:
    """An observation team (巡听旁听工作组), led by one leader.

    `capacity_per_semester` caps the team's visits in any one semester (None: only the monthly
    cap applies); `unavailable_months` are months the leader cannot visit at all.
    """

    id: str
    name: str
    leader_id: str
    capacity_per_semester: int | None = None
    unavailable_months: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Link:
    """A leader–unit link (校领导联系二级学院): the team preferred for the unit (R-O3)."""

    team_id: str
    unit_id: str


@dataclass(frozen=True)
class Conflict:
    """A conflict of interest (回避): the team, or every team led by the leader, must not visit."""

    unit_id: str
    team_id: str | None = None
    leader_id: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class Semester:
    """A semester and the months in which its visits may take place (configurable per school)."""

    key: str
    label: str
    months: tuple[int, ...]


# The labels are Messages, so that texts naming a semester can be shown translated.
SPRING = Semester("spring", Message(N_("春季学期")), (3, 4, 5, 6, 7))
AUTUMN = Semester("autumn", Message(N_("秋季学期")), (9, 10, 11, 12))
DEFAULT_SEMESTERS: tuple[Semester, ...] = (SPRING, AUTUMN)


@dataclass(frozen=True)
class Pin:
    """A visit fixed by the supervisor (an invited visit is a pin too); kept exactly."""

    unit_id: str
    team_id: str
    semester: str
    month: int
    reason: str = ""


@dataclass(frozen=True, order=True)
class CrossPair:
    """Cross-observation (交叉旁听, R-O13): `visitor` sits in on a session that `host` invites it to."""

    host_id: str
    visitor_id: str


@dataclass(frozen=True)
class ObjectiveWeights:
    """Weights of the soft goals; the spreads dominate, the rule preferences break ties.

    The objective is minimised and equals `metrics.objective_value` of the resulting plan:
    team_spread × Σ_teams |visits − target| (`InstanceIndex.team_target`)
    + month_spread × (max − min visits per month)
    + unlinked_visit × (visits by a team not linked to a unit that has a linked team, R-O3)
    − extra_coverage × (units observed last year that are visited again this year, R-O17)
    − planned_month × (visits in a month in which their unit planned a session, R-O20).
    """

    team_spread: int = 20
    month_spread: int = 20
    unlinked_visit: int = 10
    extra_coverage: int = 2
    planned_month: int = 5


@dataclass(frozen=True)
class PlannerOptions:
    """Rule switches (read by the checker too) and solver parameters.

    Determinism: with the same instance, `random_seed` and `num_workers=1` the plan is the same
    on every run, as long as the time limit is not what stops the search. With more workers
    CP-SAT races its subsolvers and the plan may differ from run to run (CP-SAT's
    `interleave_search` would make several workers deterministic, at a cost in speed). Proven
    optimal plans have the same objective either way.
    """

    lanzhou_rule: bool = False
    cross_observation: bool = True
    max_visits_per_team_per_month: int = 2
    time_limit_seconds: float = 10.0
    random_seed: int = 0
    num_workers: int = 2
    team_candidates: int = 6
    cross_candidates: int = 30
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)


@dataclass(frozen=True)
class PlanningInstance:
    """Everything the planner needs for one year."""

    year: int
    units: tuple[Unit, ...]
    teams: tuple[Team, ...]
    links: tuple[Link, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    observed_last_year: frozenset[str] = frozenset()
    previous_cross_pairs: tuple[CrossPair, ...] = ()
    pins: tuple[Pin, ...] = ()
    semesters: tuple[Semester, ...] = DEFAULT_SEMESTERS
    options: PlannerOptions = field(default_factory=PlannerOptions)

    @cached_property
    def index(self) -> InstanceIndex:
        """Look-ups built once; the instance is frozen, so they never go stale."""
        return InstanceIndex(self)


@dataclass(frozen=True, order=True)
class Visit:
    """One planned observation visit (巡听旁听) in a month of a semester."""

    unit_id: str
    team_id: str
    semester: str
    month: int
    pinned: bool = False


@dataclass(frozen=True)
class Plan:
    """The year's plan: visits, and cross-observation pairs per semester key."""

    visits: tuple[Visit, ...]
    cross_pairs: Mapping[str, tuple[CrossPair, ...]] = field(default_factory=dict)


class InstanceIndex:
    """Derived look-ups shared by the solver, the pre-checks and the baseline.

    The checker deliberately does not use this class: it judges plans from the raw instance,
    so a mistake here cannot hide itself.
    """

    def __init__(self, instance: PlanningInstance) -> None:
        self.instance = instance
        opts = instance.options
        self.unit_ids: list[str] = sorted(u.id for u in instance.units)
        self.team_ids: list[str] = sorted(t.id for t in instance.teams)
        self.unit_name: dict[str, str] = {u.id: u.name for u in instance.units}
        self.unit_blocked: dict[str, frozenset[int]] = {
            u.id: u.unavailable_months for u in instance.units if u.unavailable_months
        }
        # R-O20: units with a plan, and the months of the year's semesters they planned sessions in.
        self.unit_planned: dict[str, frozenset[int]] = {
            u.id: u.planned_months for u in instance.units if u.planned_months
        }
        self.team: dict[str, Team] = {t.id: t for t in instance.teams}
        self.semester: dict[str, Semester] = {s.key: s for s in instance.semesters}
        self.semester_keys: list[str] = [s.key for s in instance.semesters]
        self.months: list[int] = [m for s in instance.semesters for m in s.months]
        self.month_semester: dict[int, str] = {m: s.key for s in instance.semesters for m in s.months}

        self.linked_teams: dict[str, set[str]] = defaultdict(set)
        for link in instance.links:
            self.linked_teams[link.unit_id].add(link.team_id)

        teams_by_leader: dict[str, set[str]] = defaultdict(set)
        for team in instance.teams:
            teams_by_leader[team.leader_id].add(team.id)
        self.forbidden: set[tuple[str, str]] = set()
        for conflict in instance.conflicts:
            if conflict.team_id is not None:
                self.forbidden.add((conflict.unit_id, conflict.team_id))
            if conflict.leader_id is not None:
                for team_id in teams_by_leader.get(conflict.leader_id, ()):
                    self.forbidden.add((conflict.unit_id, team_id))

        cap = opts.max_visits_per_team_per_month
        self.available_months: dict[tuple[str, str], list[int]] = {}
        for team in instance.teams:
            for sem in instance.semesters:
                months = [m for m in sem.months if m not in team.unavailable_months] if cap > 0 else []
                self.available_months[(team.id, sem.key)] = months

        self.pins_by_team: dict[str, int] = defaultdict(int)
        self.pins_by_team_month: dict[tuple[str, int], int] = defaultdict(int)
        self.pins_by_team_semester: dict[tuple[str, str], int] = defaultdict(int)
        self.pins_by_unit_semester: dict[tuple[str, str], int] = defaultdict(int)
        self.pinned_triples: set[tuple[str, str, str]] = set()
        self.pinned_units: set[str] = set()
        for pin in instance.pins:
            self.pins_by_team[pin.team_id] += 1
            self.pins_by_team_month[(pin.team_id, pin.month)] += 1
            self.pins_by_team_semester[(pin.team_id, pin.semester)] += 1
            self.pins_by_unit_semester[(pin.unit_id, pin.semester)] += 1
            self.pinned_triples.add((pin.unit_id, pin.team_id, pin.semester))
            self.pinned_units.add(pin.unit_id)

        # R-O11: a unit not observed last year must be observed this year to close the round.
        self.required_units: list[str] = [u for u in self.unit_ids if u not in instance.observed_last_year]

    @cached_property
    def team_target(self) -> int:
        """The load every team should carry: the objective counts each team's distance from it.

        A constant target, rather than max − min over variable loads, gives the solver a signal
        for every single move (a range only changes when all the busiest teams change at once)
        and keeps the linear relaxation tight. It is the larger of the mean minimum workload
        (pins, R-O12 visits, R-O11 units not already covered by them, spread over the teams that
        can visit) and the heaviest load some team cannot shed (its pins and R-O12 visits):
        lighter teams are then brought up with extra visits (R-O17) instead of leaving a gap.
        """
        forced: dict[str, int] = defaultdict(int)
        for pin in self.instance.pins:
            forced[pin.team_id] += 1
        covered: set[str] = set(self.pinned_units)
        if self.instance.options.lanzhou_rule:
            for team_id, unit_id in self.linked_pairs():
                if not self.allowed(unit_id, team_id):
                    continue
                covered.add(unit_id)
                for sem_key in self.semester_keys:
                    if (unit_id, team_id, sem_key) not in self.pinned_triples:
                        forced[team_id] += 1
        minimum = sum(forced.values()) + sum(1 for u in self.required_units if u not in covered)
        teams = [t for t in self.team_ids if self.team_has_time(t)]
        if not teams:
            return 0
        return max(-(-minimum // len(teams)), max((forced[t] for t in teams), default=0))

    def allowed(self, unit_id: str, team_id: str) -> bool:
        return (unit_id, team_id) not in self.forbidden

    def team_has_time(self, team_id: str) -> bool:
        return any(self.available_months[(team_id, s)] for s in self.semester_keys)

    def pair_months(self, unit_id: str, team_id: str, sem_key: str) -> list[int]:
        """Months of `sem_key` in which `team_id` may visit `unit_id`: the team's, less the unit's blocked ones."""
        blocked = self.unit_blocked.get(unit_id, frozenset())
        return [m for m in self.available_months[(team_id, sem_key)] if m not in blocked]

    def in_planned_month(self, unit_id: str, month: int) -> bool:
        """R-O20: `month` is one in which the unit planned a session (False for a unit without a plan)."""
        return month in self.unit_planned.get(unit_id, frozenset())

    def pair_has_time(self, unit_id: str, team_id: str) -> bool:
        return any(self.pair_months(unit_id, team_id, s) for s in self.semester_keys)

    def linked_pairs(self) -> list[tuple[str, str]]:
        """(team, unit) links, sorted; the pairs R-O12 applies to when the Lanzhou rule is on."""
        return sorted({(link.team_id, link.unit_id) for link in self.instance.links})

    @cached_property
    def candidate_teams(self) -> dict[str, list[str]]:
        """Teams that may be planned for each unit: its linked teams plus a few alternates.

        Offering every team for every unit makes the model grow as units × teams (1.5 million
        pairs in a province). In practice a unit is visited by its linked leader (R-O3) or by
        one of a handful of others, so each unit gets its allowed linked teams, the teams pinned
        to it, and `team_candidates` alternates drawn by a generator seeded with the options'
        seed and the unit id — deterministic, and spread evenly enough for balancing. The
        baseline uses the same sets, so the comparison is like for like.
        """
        return self.candidate_teams_with(self.instance.options.team_candidates)

    def candidate_teams_with(self, alternates: int | None) -> dict[str, list[str]]:
        """`candidate_teams` with a given number of alternates; None offers every allowed team."""
        usable = [t for t in self.team_ids if self.team_has_time(t)]
        pinned: dict[str, set[str]] = defaultdict(set)
        for pin in self.instance.pins:
            pinned[pin.unit_id].add(pin.team_id)
        seed = self.instance.options.random_seed
        result: dict[str, list[str]] = {}
        for unit_id in self.unit_ids:
            allowed = [t for t in usable if self.allowed(unit_id, t) and self.pair_has_time(unit_id, t)]
            chosen = {t for t in self.linked_teams.get(unit_id, ()) if t in allowed}
            chosen |= pinned.get(unit_id, set())
            others = [t for t in allowed if t not in chosen]
            if alternates is not None and len(others) > alternates:
                rng = random.Random(f"{seed}:team-candidates:{unit_id}")  # noqa: S311 - must be reproducible  # nosec B311
                others = rng.sample(others, alternates)
            result[unit_id] = sorted(chosen | set(others))
        return result


def validate_instance(instance: PlanningInstance) -> None:
    """Reject malformed input (a programming or data-entry error), in Chinese for the admin.

    Feasibility problems are not malformed input; `precheck.explain_infeasibility` reports them.
    """
    errors: list[str] = []  # Message texts
    errors += _duplicates(N_("单位编号重复：{ids}。"), (u.id for u in instance.units))
    errors += _duplicates(N_("工作组编号重复：{ids}。"), (t.id for t in instance.teams))
    errors += _duplicates(N_("学期编号重复：{ids}。"), (s.key for s in instance.semesters))
    unit_ids = {u.id for u in instance.units}
    team_ids = {t.id for t in instance.teams}
    leader_ids = {t.leader_id for t in instance.teams}
    months = [m for s in instance.semesters for m in s.months]
    if len(months) != len(set(months)):
        errors.append(Message(N_("同一月份不能同时属于两个学期。")))
    if any(not 1 <= m <= 12 for m in months):
        errors.append(Message(N_("学期月份须在1至12之间。")))
    for unit in instance.units:
        if any(not 1 <= m <= 12 for m in unit.planned_months):
            errors.append(Message(N_("单位计划开展学习的月份须在1至12之间：{unit}。"), unit=unit.name))
    if instance.options.weights.planned_month < 0:
        errors.append(Message(N_("计划月份偏好权重不能为负数。")))
    if instance.options.max_visits_per_team_per_month < 0:
        errors.append(Message(N_("每个工作组每月巡听次数上限不能为负数。")))
    semester_months = {s.key: set(s.months) for s in instance.semesters}
    for link in instance.links:
        if link.unit_id not in unit_ids or link.team_id not in team_ids:
            errors.append(
                Message(N_("挂钩关系引用了不存在的单位或工作组：{team}—{unit}。"), team=link.team_id, unit=link.unit_id)
            )
    for conflict in instance.conflicts:
        if conflict.unit_id not in unit_ids:
            errors.append(Message(N_("回避关系引用了不存在的单位：{unit}。"), unit=conflict.unit_id))
        if conflict.team_id is None and conflict.leader_id is None:
            errors.append(Message(N_("回避关系须指明工作组或领导：{unit}。"), unit=conflict.unit_id))
        if conflict.team_id is not None and conflict.team_id not in team_ids:
            errors.append(Message(N_("回避关系引用了不存在的工作组：{team}。"), team=conflict.team_id))
        if conflict.leader_id is not None and conflict.leader_id not in leader_ids:
            errors.append(Message(N_("回避关系引用了不带队的领导：{leader}。"), leader=conflict.leader_id))
    for pin in instance.pins:
        if pin.unit_id not in unit_ids or pin.team_id not in team_ids:
            errors.append(
                Message(N_("固定安排引用了不存在的单位或工作组：{unit}—{team}。"), unit=pin.unit_id, team=pin.team_id)
            )
        elif pin.month not in semester_months.get(pin.semester, set()):
            errors.append(
                Message(
                    N_("固定安排的月份（{month}月）不在学期「{semester}」内。"), month=pin.month, semester=pin.semester
                )
            )
    unknown_observed = sorted(instance.observed_last_year - unit_ids)
    if unknown_observed:
        errors.append(Message(N_("上一年度巡听名单含不存在的单位：{units}。"), units=unknown_observed))
    for pair in instance.previous_cross_pairs:
        if pair.host_id not in unit_ids or pair.visitor_id not in unit_ids:
            errors.append(
                Message(
                    N_("上学期交叉旁听配对引用了不存在的单位：{host}—{visitor}。"),
                    host=pair.host_id,
                    visitor=pair.visitor_id,
                )
            )
    if errors:
        raise InvalidInstance(errors)


class InvalidInstance(ValueError):
    """Malformed planner input; `messages` are the problems (Messages), `str()` one per line in Chinese."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def _duplicates(msgid: str, ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for item in ids:
        (repeated if item in seen else seen).add(item)
    return [Message(msgid, ids=sorted(repeated))] if repeated else []
