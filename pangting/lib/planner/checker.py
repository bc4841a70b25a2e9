"""An independent judge of plans: lists every hard-rule violation, whoever made the plan.

It reads the raw instance only (not `InstanceIndex`, not the model), so that it can judge the
solver, the greedy baseline and hand-edited plans by the same yardstick, and a bug in the
model cannot also hide in the judge.
"""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from pangting.lib.messages import N_, Message
from pangting.lib.planner.instance import CrossPair, Plan, PlanningInstance


class ViolationKind(enum.StrEnum):
    """Families of hard constraints; the value is the rule (or check) each one enforces."""

    UNKNOWN_REFERENCE = "reference"
    COVERAGE = "R-O11"
    LINKED_EACH_SEMESTER = "R-O12"
    CONFLICT = "conflict"
    UNAVAILABLE = "unavailable"
    MONTH_CAPACITY = "month-capacity"
    SEMESTER_CAPACITY = "semester-capacity"
    PIN_MISSING = "pin"
    CROSS_DEGREE = "R-O13-degree"
    CROSS_SELF = "R-O13-self"
    CROSS_RECIPROCAL = "R-O13-reciprocal"
    CROSS_REPEAT = "R-O13-repeat"


@dataclass(frozen=True)
class Violation:
    """One broken hard rule, with a Chinese message (a `Message`) naming the units and teams involved."""

    kind: ViolationKind
    message: str
    unit_ids: tuple[str, ...] = ()
    team_id: str | None = None
    semester: str | None = None


def check_plan(instance: PlanningInstance, plan: Plan) -> list[Violation]:
    """Every hard-constraint violation of `plan`, in a stable order; empty means the plan holds."""
    opts = instance.options
    unit_name = {u.id: u.name for u in instance.units}
    unit_blocked = {u.id: u.unavailable_months for u in instance.units}
    teams = {t.id: t for t in instance.teams}
    semesters = {s.key: s for s in instance.semesters}
    violations: list[Violation] = []

    def uname(unit_id: str) -> str:
        return unit_name.get(unit_id, unit_id)

    def tname(team_id: str) -> str:
        return teams[team_id].name if team_id in teams else team_id

    valid_visits = []
    for visit in plan.visits:
        sem = semesters.get(visit.semester)
        if visit.unit_id not in unit_name or visit.team_id not in teams or sem is None:
            violations.append(
                Violation(
                    ViolationKind.UNKNOWN_REFERENCE,
                    Message(
                        N_("巡听安排引用了不存在的单位、工作组或学期：{unit}—{team}—{semester}。"),
                        unit=visit.unit_id,
                        team=visit.team_id,
                        semester=visit.semester,
                    ),
                    (visit.unit_id,),
                    visit.team_id,
                )
            )
        elif visit.month not in sem.months:
            violations.append(
                Violation(
                    ViolationKind.UNKNOWN_REFERENCE,
                    Message(
                        N_("「{unit}」的巡听安排在{month}月，不属于{semester}。"),
                        unit=uname(visit.unit_id),
                        month=visit.month,
                        semester=sem.label,
                    ),
                    (visit.unit_id,),
                    visit.team_id,
                    visit.semester,
                )
            )
        else:
            valid_visits.append(visit)

    # Conflicts of interest (回避): by team, or by leader for every team that leader leads.
    forbidden: set[tuple[str, str]] = set()
    for conflict in instance.conflicts:
        for team in instance.teams:
            if team.id == conflict.team_id or (conflict.leader_id is not None and team.leader_id == conflict.leader_id):
                forbidden.add((conflict.unit_id, team.id))
    for visit in valid_visits:
        if (visit.unit_id, visit.team_id) in forbidden:
            violations.append(
                Violation(
                    ViolationKind.CONFLICT,
                    Message(
                        N_("「{team}」与「{unit}」存在回避关系，不得安排巡听。"),
                        team=tname(visit.team_id),
                        unit=uname(visit.unit_id),
                    ),
                    (visit.unit_id,),
                    visit.team_id,
                    visit.semester,
                )
            )
        if visit.month in teams[visit.team_id].unavailable_months:
            violations.append(
                Violation(
                    ViolationKind.UNAVAILABLE,
                    Message(
                        N_("「{team}」{month}月不可安排，却安排巡听「{unit}」。"),
                        team=tname(visit.team_id),
                        month=visit.month,
                        unit=uname(visit.unit_id),
                    ),
                    (visit.unit_id,),
                    visit.team_id,
                    visit.semester,
                )
            )
        if visit.month in unit_blocked[visit.unit_id]:
            violations.append(
                Violation(
                    ViolationKind.UNAVAILABLE,
                    Message(
                        N_("「{unit}」的联络员{month}月不可安排，却在该月安排巡听。"),
                        unit=uname(visit.unit_id),
                        month=visit.month,
                    ),
                    (visit.unit_id,),
                    visit.team_id,
                    visit.semester,
                )
            )

    per_team_month = Counter((v.team_id, v.month) for v in valid_visits)
    for (team_id, month), count in sorted(per_team_month.items()):
        if count > opts.max_visits_per_team_per_month:
            violations.append(
                Violation(
                    ViolationKind.MONTH_CAPACITY,
                    Message(
                        N_("「{team}」{month}月安排{count}次巡听，超过每月上限{cap}次。"),
                        team=tname(team_id),
                        month=month,
                        count=count,
                        cap=opts.max_visits_per_team_per_month,
                    ),
                    team_id=team_id,
                )
            )
    per_team_semester = Counter((v.team_id, v.semester) for v in valid_visits)
    for (team_id, sem_key), count in sorted(per_team_semester.items()):
        capacity = teams[team_id].capacity_per_semester
        if capacity is not None and count > capacity:
            violations.append(
                Violation(
                    ViolationKind.SEMESTER_CAPACITY,
                    Message(
                        N_("「{team}」{semester}安排{count}次巡听，超过学期容量{cap}次。"),
                        team=tname(team_id),
                        semester=semesters[sem_key].label,
                        count=count,
                        cap=capacity,
                    ),
                    team_id=team_id,
                    semester=sem_key,
                )
            )

    planned = Counter((v.unit_id, v.team_id, v.semester, v.month) for v in valid_visits)
    wanted = Counter((p.unit_id, p.team_id, p.semester, p.month) for p in instance.pins)
    for (unit_id, team_id, sem_key, month), count in sorted(wanted.items()):
        if planned[(unit_id, team_id, sem_key, month)] < count:
            violations.append(
                Violation(
                    ViolationKind.PIN_MISSING,
                    Message(
                        N_("固定安排未保留：「{team}」{month}月巡听「{unit}」。"),
                        team=tname(team_id),
                        month=month,
                        unit=uname(unit_id),
                    ),
                    (unit_id,),
                    team_id,
                    sem_key,
                )
            )

    # R-O11: every unit is observed at least once in every two-year round.
    visited = {v.unit_id for v in valid_visits}
    for unit in sorted(instance.units, key=lambda u: u.id):
        if unit.id not in instance.observed_last_year and unit.id not in visited:
            violations.append(
                Violation(
                    ViolationKind.COVERAGE,
                    Message(
                        N_("「{unit}」上一年度未被巡听，本年度也未安排，两年轮次无法全覆盖（R-O11）。"),
                        unit=unit.name,
                    ),
                    (unit.id,),
                )
            )

    # R-O12: with the Lanzhou rule each team attends each of its linked units every semester.
    if opts.lanzhou_rule:
        done = {(v.team_id, v.unit_id, v.semester) for v in valid_visits}
        for team_id, unit_id in sorted({(link.team_id, link.unit_id) for link in instance.links}):
            for sem in instance.semesters:
                if (team_id, unit_id, sem.key) not in done:
                    violations.append(
                        Violation(
                            ViolationKind.LINKED_EACH_SEMESTER,
                            Message(
                                N_("「{team}」{semester}未巡听挂钩单位「{unit}」（R-O12）。"),
                                team=tname(team_id),
                                semester=sem.label,
                                unit=uname(unit_id),
                            ),
                            (unit_id,),
                            team_id,
                            sem.key,
                        )
                    )

    if opts.cross_observation:
        violations += _check_cross(instance, plan, uname)
    return violations


def _check_cross(instance: PlanningInstance, plan: Plan, uname: Callable[[str], str]) -> list[Violation]:
    """R-O13: per semester each unit invites exactly one other unit and visits exactly one."""
    violations: list[Violation] = []
    unit_ids = sorted(u.id for u in instance.units)
    previous = set(instance.previous_cross_pairs)
    for sem in instance.semesters:
        pairs = list(plan.cross_pairs.get(sem.key, ()))
        invites: dict[str, int] = defaultdict(int)
        visits: dict[str, int] = defaultdict(int)
        for pair in pairs:
            invites[pair.host_id] += 1
            visits[pair.visitor_id] += 1
            if pair.host_id == pair.visitor_id:
                violations.append(
                    Violation(
                        ViolationKind.CROSS_SELF,
                        Message(
                            N_("{semester}「{unit}」被安排旁听本单位（R-O13）。"),
                            semester=sem.label,
                            unit=uname(pair.host_id),
                        ),
                        (pair.host_id,),
                        semester=sem.key,
                    )
                )
        for unit_id in unit_ids:
            if invites[unit_id] != 1 or visits[unit_id] != 1:
                violations.append(
                    Violation(
                        ViolationKind.CROSS_DEGREE,
                        Message(
                            N_(
                                "{semester}「{unit}」邀请其他单位旁听{invites}次、赴其他单位旁听{visits}次，应各为1次（R-O13）。"
                            ),
                            semester=sem.label,
                            unit=uname(unit_id),
                            invites=invites[unit_id],
                            visits=visits[unit_id],
                        ),
                        (unit_id,),
                        semester=sem.key,
                    )
                )
        pair_set = set(pairs)
        for pair in sorted(pair_set):
            mirror = CrossPair(pair.visitor_id, pair.host_id)
            if pair.host_id < pair.visitor_id and mirror in pair_set:
                violations.append(
                    Violation(
                        ViolationKind.CROSS_RECIPROCAL,
                        Message(
                            N_("{semester}「{host}」与「{visitor}」互相旁听，不得互为对象（R-O13）。"),
                            semester=sem.label,
                            host=uname(pair.host_id),
                            visitor=uname(pair.visitor_id),
                        ),
                        (pair.host_id, pair.visitor_id),
                        semester=sem.key,
                    )
                )
            if pair in previous:
                violations.append(
                    Violation(
                        ViolationKind.CROSS_REPEAT,
                        Message(
                            N_("{semester}「{visitor}」旁听「{host}」与上学期重复（R-O13）。"),
                            semester=sem.label,
                            visitor=uname(pair.visitor_id),
                            host=uname(pair.host_id),
                        ),
                        (pair.host_id, pair.visitor_id),
                        semester=sem.key,
                    )
                )
        previous = pair_set
    return violations
