"""R-S18 / R-B6: secretary training owed in a year — the one definition.

R-S18: study secretaries are trained at least once a year (seed 004 机制六: the propaganda
department trains them); R-B6: branch secretaries are trained at least once a year by the
unit-level organization. A unit counts as trained in a year when a `SecretaryTraining` of the
right audience was held that year by the unit itself, or by an organization above it with
someone of the unit among the trainees.

Who needs it: for R-S18 every unit with a center group; for R-B6 every unit with a branch
under it. Who owes it: for R-B6 the unit (its study secretaries, who record the training);
for R-S18 the unit's supervising organization (`orgs.units.supervisor_org_for`, R-O23): its
propaganda department and the study secretaries who record trainings there. The year's
training is due by 31 December; from `remind_days` before it (a registered parameter of each
rule) a unit still untrained is owed, reminded (`study.reminders`) and listed as a to-do
(`study.todos`). The R-S18 and R-B6 checks judge the year once it is over with `untrained`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy

from pangting.core import parameters
from pangting.core.parameters import Parameter
from pangting.orgs.models import Organization, OrganizationKind, StudyGroup
from pangting.orgs.paths import under_any
from pangting.orgs.units import supervisors_of, unit_in_scope, units

from .models import SecretaryTraining

Audience = SecretaryTraining.Audience
RULES: dict[str, str] = {Audience.STUDY_SECRETARIES: "R-S18", Audience.BRANCH_SECRETARIES: "R-B6"}
DEFAULT_REMIND_DAYS = 30


def register_parameters() -> None:
    """Declare how early an untrained unit is reminded (from `StudyConfig.ready`)."""
    for rule_id in RULES.values():
        parameters.register(
            rule_id, Parameter("remind_days", DEFAULT_REMIND_DAYS, gettext_lazy("培训提前提醒天数（自然日）"), "days")
        )


def due_on(year: int) -> dt.date:
    """The day by which `year`'s training is held: the year's last day."""
    return dt.date(year, 12, 31)


def remind_from(year: int, audience: str) -> dt.date:
    """The first day an untrained unit is reminded and listed as a to-do."""
    days = int(parameters.values(RULES[audience]).get("remind_days", DEFAULT_REMIND_DAYS))
    return due_on(year) - dt.timedelta(days=days)


def trainings(year: int, audience: str) -> list[SecretaryTraining]:
    """The trainings of `audience` held in `year`, with their trainees (three queries)."""
    return list(
        SecretaryTraining.objects.filter(audience=audience, held_on__year=year)
        .select_related("organization")
        .prefetch_related("trainees__organization")
    )


def trained(unit: Organization, held: Sequence[SecretaryTraining]) -> bool:
    """Held by the unit itself, or by an organization above it with someone of the unit among the trainees."""
    for training in held:
        if training.organization_id == unit.pk:
            return True
        if unit.path.startswith(training.organization.path) and any(
            t.organization.path.startswith(unit.path) for t in training.trainees.all()
        ):
            return True
    return False


def _with_branches(candidates: Sequence[Organization]) -> set[int]:
    """The units among `candidates` with a branch under them (each branch counts for its deepest unit).

    The deepest unit, whether a candidate or not: a unit nested under a candidate but not among
    them (a city asked about alone, a part of a run of the checks) keeps its own branches."""
    unit_in = unit_in_scope(candidates)
    found: set[int] = set()
    branches = Organization.objects.filter(under_any(candidates), kind=OrganizationKind.BRANCH)
    for path, pk in branches.values_list("path", "pk"):
        if (unit := unit_in(path)) is not None and unit.pk != pk:  # a 直属党支部 unit is not its own branch
            found.add(unit.pk)
    return found


def needing(candidates: Sequence[Organization], audience: str) -> list[Organization]:
    """The units among `candidates` whose secretaries of `audience` must be trained each year."""
    if audience == Audience.STUDY_SECRETARIES:
        ids = set(
            StudyGroup.objects.filter(organization_id__in=[u.pk for u in candidates]).values_list(
                "organization_id", flat=True
            )
        )
    else:
        ids = _with_branches(candidates)
    return [u for u in candidates if u.pk in ids]


def untrained(candidates: Sequence[Organization], year: int, audience: str) -> list[Organization]:
    """The units among `candidates` that need a training of `audience` in `year` and had none (R-S18 / R-B6)."""
    need = needing(candidates, audience)
    if not need:
        return []
    held = trainings(year, audience)
    return [u for u in need if not trained(u, held)]


@dataclass
class OwedTraining:
    """A training owed this year: by `office` (the unit itself for R-B6, its supervisor for R-S18), for `units`."""

    rule: str
    audience: str
    office: Organization
    year: int
    due: dt.date
    units: list[Organization] = field(default_factory=list)


def owed(today: dt.date, candidates: Iterable[Organization] | None = None) -> list[OwedTraining]:
    """The trainings still owed on `today`, from each rule's reminder period to the year's end.

    `candidates` narrows the units looked at (a user's to-dos); default every unit."""
    year = today.year
    audiences = [a for a in RULES if remind_from(year, a) <= today <= due_on(year)]
    if not audiences:
        return []  # outside the reminder period: no query
    pool = list(units() if candidates is None else candidates)
    found: list[OwedTraining] = []
    for audience in audiences:
        by_office: dict[int, OwedTraining] = {}
        owing = untrained(pool, year, audience)
        supervisors = supervisors_of(owing) if audience == Audience.STUDY_SECRETARIES else {}
        for unit in owing:
            office = supervisors.get(unit.pk, unit)
            item = by_office.get(office.pk)
            if item is None:
                item = by_office[office.pk] = OwedTraining(RULES[audience], audience, office, year, due_on(year))
                found.append(item)
            item.units.append(unit)
    return found


def unit_names(item: OwedTraining, separator: Any) -> str:
    """The untrained units' names, for a reminder or a to-do."""
    return str(separator).join(u.display_name for u in item.units)
