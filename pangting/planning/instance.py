"""Build a `pangting.lib.planner` instance for one year from the database (R-O1).

What goes in, and where it comes from:

* units: organizations below the supervisor with a center group (the ones a visit observes);
* teams: one per leader with a current leader link (R-O3), linked to those units;
* conflicts (回避): a leader's conflict with a unit or any organization above it;
* unavailability (不可安排时间) of the year: a leader's months go on the leader's team, a
  liaison's months on the units the liaison currently serves (the liaison goes on each visit);
* `observed_last_year`: units with a non-cancelled visit in the previous year (R-O11);
* previous cross pairs: non-cancelled cross-observations of the previous autumn semester (R-O13);
* planned months (R-O20): the months of the year in which a unit planned center-group sessions,
  from its annual center-group study plan's themes and its scheduled sessions (one query);
* pins: this year's non-cancelled visits with a leader and a month, kept as they are
  (invited visits included), and the draft visits the supervisor pinned before re-solving
  (`parameters["pins"]`). What cannot be pinned is reported in `notes`, in Chinese, each
  carrying its msgid and parameters (`core.i18n`) for the run page's other languages.

Ids are `str(pk)`; teams are "L<person pk>".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Value
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext_noop

from pangting.core import clock
from pangting.core import parameters as rule_parameters
from pangting.core.i18n import choice, stored_message
from pangting.core.i18n import label as text_label
from pangting.lib import planner
from pangting.observation.models import CrossObservation, Semester, State, TeamMember, Visit
from pangting.orgs.models import ConflictOfInterest, LeaderLink, LiaisonAssignment, Organization, Person
from pangting.study.models import PlanKind, PlanTheme, SessionKind, StudySession

# Observation semesters (1 spring, 2 autumn) and the planner's semester keys.
SEMESTER_KEYS = {Semester.SPRING: planner.SPRING.key, Semester.AUTUMN: planner.AUTUMN.key}
SEMESTER_NUMBERS = {key: number for number, key in SEMESTER_KEYS.items()}


def team_id(person_pk: int) -> str:
    return f"L{person_pk}"


@dataclass
class BuiltInstance:
    instance: planner.PlanningInstance
    notes: list[str] = field(default_factory=list)
    leaders: dict[str, Person] = field(default_factory=dict)  # team id → leader
    units: dict[str, Organization] = field(default_factory=dict)  # unit id → organization
    existing_pins: list[planner.Pin] = field(default_factory=list)  # this year's visits, kept as they are


def planned_month_weight() -> int:
    """R-O20: the weight in force of a visit in a month its unit planned a session in."""
    return int(rule_parameters.value("R-O20", "planned_month_weight"))


def planner_options(parameters: dict[str, Any]) -> planner.PlannerOptions:
    weight = parameters.get("planned_month_weight")
    return planner.PlannerOptions(
        lanzhou_rule=bool(parameters.get("lanzhou_rule", False)),
        cross_observation=bool(parameters.get("cross_observation", True)),
        time_limit_seconds=float(parameters.get("time_limit", 10)),
        random_seed=int(parameters.get("seed", 0)),
        num_workers=int(parameters.get("workers", 2)),
        weights=planner.ObjectiveWeights(planned_month=int(weight) if weight is not None else planned_month_weight()),
    )


QUARTER_MONTHS = {1: (1, 2, 3), 2: (4, 5, 6), 3: (7, 8, 9), 4: (10, 11, 12)}


def planned_months(unit_pks: list[int], year: int) -> dict[str, frozenset[int]]:
    """R-O20: per unit id, the months of `year` in which the unit planned center-group sessions.

    A theme of its annual center-group study plan by month gives that month, one by quarter the
    quarter's three months; a scheduled (not cancelled) center-group session its month. Read in
    one query for all units. A unit with neither is absent: it has no preferred month.
    """
    themes = (
        PlanTheme.objects.filter(
            plan__organization_id__in=unit_pks,
            plan__year=year,
            plan__kind=PlanKind.CENTER_GROUP,
            plan__deleted_at__isnull=True,
        )
        .order_by()
        .values_list("plan__organization_id", "period_kind", "period")
    )
    sessions = (
        StudySession.objects.filter(organization_id__in=unit_pks, kind=SessionKind.CENTER_GROUP, starts_at__year=year)
        .exclude(status=StudySession.Status.CANCELLED)
        .order_by()
        .annotate(
            period_kind_=Value(PlanTheme.PeriodKind.MONTH.value, output_field=CharField()),
            month_=ExtractMonth("starts_at"),
        )
        .values_list("organization_id", "period_kind_", "month_")
    )
    months: dict[str, set[int]] = {}
    for unit_pk, kind, raw in themes.union(sessions):
        period = int(raw)  # EXTRACT is numeric on PostgreSQL
        found = QUARTER_MONTHS.get(period, ()) if kind == PlanTheme.PeriodKind.QUARTER else (period,)
        months.setdefault(str(unit_pk), set()).update(m for m in found if 1 <= m <= 12)
    return {unit_id: frozenset(found) for unit_id, found in months.items() if found}


def build_instance(
    supervisor_org: Organization, year: int, parameters: dict[str, Any] | None = None, *, on: dt.date | None = None
) -> BuiltInstance:
    """The planner's view of `year` under `supervisor_org` (read only)."""
    from pangting.planning.services import draw_units, unavailable_months

    on = on or clock.today()
    units = {str(org.pk): org for org in draw_units(supervisor_org)}
    away = unavailable_months(supervisor_org, year)
    liaisons = LiaisonAssignment.objects.current(on).filter(unit_id__in=[int(u) for u in units])
    unit_away: dict[str, set[int]] = {}
    for unit_pk, liaison_pk in liaisons.values_list("unit_id", "liaison_id"):
        unit_away.setdefault(str(unit_pk), set()).update(away.get(liaison_pk, {}))
    links = list(
        LeaderLink.objects.current(on).filter(unit_id__in=[int(u) for u in units]).select_related("leader", "unit")
    )
    leaders = {team_id(link.leader_id): link.leader for link in links}
    built = BuiltInstance(instance=None, leaders=leaders, units=units)  # type: ignore[arg-type]

    conflicts: list[planner.Conflict] = []
    leader_ids = [p.pk for p in leaders.values()]
    for conflict in ConflictOfInterest.objects.filter(person_id__in=leader_ids).select_related("unit"):
        for unit_id, unit in units.items():
            if unit.path.startswith(conflict.unit.path):
                conflicts.append(planner.Conflict(unit_id, leader_id=str(conflict.person_id), reason=conflict.reason))

    observed = {
        str(pk)
        for pk in Visit.objects.filter(year=year - 1, unit_id__in=[int(u) for u in units])
        .exclude(state=State.CANCELLED)
        .values_list("unit_id", flat=True)
    }
    previous_pairs = sorted(
        {
            planner.CrossPair(str(host), str(visitor))
            for host, visitor in CrossObservation.objects.filter(year=year - 1, semester=Semester.AUTUMN)
            .exclude(status=CrossObservation.Status.CANCELLED)
            .values_list("host_id", "visitor_id")
            if str(host) in units and str(visitor) in units
        }
    )
    built.existing_pins = _pins(year, units, leaders, built.notes)
    plans = planned_months([int(u) for u in units], year)

    def away_in(unit_id: str, tid: str, month: int) -> bool:
        return month in unit_away.get(unit_id, ()) or month in away.get(leaders[tid].pk, {})

    pins = built.existing_pins + _draft_pins(
        (parameters or {}).get("pins", []), units, leaders, conflicts, built.existing_pins, built.notes, away_in
    )
    built.instance = planner.PlanningInstance(
        year=year,
        units=tuple(
            planner.Unit(unit_id, org.name, frozenset(unit_away.get(unit_id, ())), plans.get(unit_id, frozenset()))
            for unit_id, org in sorted(units.items())
        ),
        teams=tuple(
            planner.Team(
                tid,
                str(stored_message(gettext_noop("{name}工作组"), name=person.name)),
                str(person.pk),
                unavailable_months=frozenset(away.get(person.pk, {})),
            )
            for tid, person in sorted(leaders.items())
        ),
        links=tuple(sorted({planner.Link(team_id(link.leader_id), str(link.unit_id)) for link in links}, key=str)),
        conflicts=tuple(conflicts),
        observed_last_year=frozenset(observed),
        previous_cross_pairs=tuple(previous_pairs),
        pins=tuple(pins),
        options=planner_options(parameters or {}),
    )
    return built


def _pins(year: int, units: dict[str, Organization], leaders: dict[str, Person], notes: list[str]) -> list[planner.Pin]:
    """This year's visits, kept as they are (R-O1: invited visits and manual arrangements)."""
    pins: list[planner.Pin] = []
    visits = (
        Visit.objects.filter(year=year, unit_id__in=[int(u) for u in units])
        .exclude(state=State.CANCELLED)
        .select_related("unit")
        .order_by("semester", "target_month", "pk")
    )
    months = {s.key: s.months for s in planner.DEFAULT_SEMESTERS}
    for visit in visits:
        leader = (
            TeamMember.objects.filter(visit=visit, role=TeamMember.Role.LEADER, deleted_at__isnull=True)
            .values_list("person_id", flat=True)
            .first()
        )
        key = SEMESTER_KEYS.get(visit.semester)
        label = stored_message(
            gettext_noop("{unit}{semester}的{mode}巡听旁听"),
            unit=visit.unit.name, semester=choice(visit, "semester"), mode=choice(visit, "mode"),
        )  # fmt: skip
        if leader is None or team_id(leader) not in leaders:
            notes.append(
                stored_message(
                    gettext_noop("{label}的组长不是当前联系领导，未作为固定安排计入（仍保留，不受影响）。"), label=label
                )
            )
        elif visit.target_month not in months.get(key, ()):
            notes.append(
                stored_message(
                    gettext_noop("{label}未定月份或月份不在学期安排月份内，未作为固定安排计入（仍保留，不受影响）。"),
                    label=label,
                )
            )
        else:
            pins.append(planner.Pin(str(visit.unit_id), team_id(leader), key, visit.target_month, reason=str(label)))
    return pins


def _draft_pins(
    items: list[dict[str, Any]],
    units: dict[str, Organization],
    leaders: dict[str, Person],
    conflicts: list[planner.Conflict],
    existing: list[planner.Pin],
    notes: list[str],
    away_in: Any,
) -> list[planner.Pin]:
    """The visits pinned in the draft a re-solve started from; kept exactly unless no longer possible."""
    pins: list[planner.Pin] = []
    months = {s.key: s.months for s in planner.DEFAULT_SEMESTERS}
    taken = {(p.unit_id, p.semester) for p in existing}
    for item in items:
        unit_id, tid = str(item.get("unit_id")), str(item.get("team_id"))
        key = SEMESTER_KEYS.get(item.get("semester"))
        unit = units.get(unit_id)
        label = stored_message(
            gettext_noop("草案中固定的{unit}{semester}安排"),
            unit=unit.name if unit else text_label(gettext_noop("单位")),
            semester=text_label(Semester(item["semester"]).label) if key else "",
        )
        if unit is None or key is None:
            notes.append(stored_message(gettext_noop("{label}的单位已不在计划范围内，未计入。"), label=label))
        elif tid not in leaders:
            notes.append(
                stored_message(gettext_noop("{label}的工作组组长已不是联系领导，未作为固定安排计入。"), label=label)
            )
        elif any(c.unit_id == unit_id and c.leader_id == str(leaders[tid].pk) for c in conflicts):
            notes.append(
                stored_message(gettext_noop("{label}的组长须回避该单位（R-O3），未作为固定安排计入。"), label=label)
            )
        elif item.get("month") not in months[key]:
            notes.append(
                stored_message(gettext_noop("{label}的月份不在学期安排月份内，未作为固定安排计入。"), label=label)
            )
        elif away_in(unit_id, tid, item["month"]):
            notes.append(
                stored_message(
                    gettext_noop("{label}的{month}月组长或联络员已登记为不可安排，未作为固定安排计入。"),
                    label=label,
                    month=item["month"],
                )
            )
        elif (unit_id, key) in taken:
            notes.append(
                stored_message(gettext_noop("{label}：该单位本学期已有巡听旁听，以已有安排为准。"), label=label)
            )
        else:
            taken.add((unit_id, key))
            pins.append(planner.Pin(unit_id, tid, key, int(item["month"]), reason=str(label)))
    return pins
