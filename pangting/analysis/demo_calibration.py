"""Demo: the grouping table (R-O24) and a strict and a lenient team the calibration finds (R-O18).

Called by `seed_demo` through its registered demo hook, after the observation demo made the
year's visits and records. The main year's scored visits are shared between two standing teams
of the grouping table (each covers half of the units); where a unit was visited twice, the
second visit was made by the other team (a cross-visit), which is what connects the teams. The
first team scores strictly and the second leniently: their records' area scores are moved down
and up by SHIFT points, so the calibration page and the dashboard show one team 偏严 and one
偏宽. No compliance rule reads the scores, so no finding changes.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from pangting.core.system import system_actor
from pangting.observation import services as observation_services
from pangting.observation.models import ObservationRecord, State, Visit
from pangting.observation.services import grouping
from pangting.orgs.models import Person
from pangting.orgs.services import has_conflict
from pangting.orgs.units import supervisor_org_for

SHIFT = 7  # points: outside the default ±5 band of R-O18
# i18n: not interface (demo data: team names stored in the grouping table)
TEAMS = ("第一旁听小组", "第二旁听小组")
# i18n: not interface (demo data: a note stored with each team)
NOTE = "演示：分组表"


def _scored_visits(year: int) -> list[Visit]:
    return list(
        Visit.objects.filter(year=year, record__filed_at__isnull=False, record__composite_score__isnull=False)
        .exclude(state=State.CANCELLED)
        .select_related("unit", "record", "record__rubric")
        .order_by("unit__path", "record__filed_at", "pk")
    )


def _shift(record: ObservationRecord, points: int) -> None:
    scores = {k: str(min(100, max(0, Decimal(str(v)) + points))) for k, v in record.scores.items()}
    record.scores = scores
    record.composite_score = observation_services.composite_score(record.rubric, scores)
    record._history_user = None  # type: ignore[attr-defined]
    record.save(update_fields=["scores", "composite_score", "updated_at"])


def extend_demo(context: dict[str, Any]) -> None:
    year = context["dates"].year
    # The university's grouping table (R-O24): its own visits and leaders, not the city's above it (R-O23).
    root = context["root"]
    visits = [v for v in _scored_visits(year) if v.supervisor_org_id == root.pk]
    if not visits:
        return
    leaders = list(Person.objects.filter(is_school_leader=True, organization=root).order_by("pk")[:2])
    if len(leaders) < 2:
        return
    by_unit: dict[int, list[Visit]] = defaultdict(list)
    for visit in visits:
        by_unit[visit.unit_id].append(visit)
    units = [group[0].unit for group in by_unit.values()]
    halves = (units[0::2], units[1::2])
    supervisor = supervisor_org_for(units[0])
    actor = system_actor()
    teams = []
    for name, leader, covered in zip(TEAMS, leaders, halves, strict=True):
        covered = [u for u in covered if supervisor_org_for(u).pk == supervisor.pk and not has_conflict(leader, u)]
        teams.append(
            grouping.save_standing_team(
                actor=actor,
                supervisor_org=supervisor,
                year=year,
                semester=None,
                name=name,
                leader=leader,
                units=covered,
                notes=NOTE,
            )
        )
    home = {u.pk: index for index, half in enumerate(halves) for u in half}
    for unit_id, unit_visits in by_unit.items():
        for position, visit in enumerate(unit_visits):
            # The unit's own team first; a second visit by the other team (a cross-visit).
            index = home[unit_id] if position % 2 == 0 else 1 - home[unit_id]
            visit.standing_team = teams[index]
            visit._history_user = None  # type: ignore[attr-defined]
            visit.save(update_fields=["standing_team", "updated_at"])
            _shift(visit.record, -SHIFT if index == 0 else SHIFT)
