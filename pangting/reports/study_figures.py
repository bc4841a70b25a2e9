"""Each unit's center-group figures for a year: counted, kept in `StudyFigures`, read (issue 15).

The dashboard sums every center-group session of the year and its attendance per unit: 150,000
sessions with 2 million attendance rows in a province, counted on every view. `count` is the
one home of those sums. `StudyFigures` keeps them per unit and year, and `figures` reads them:

- a stored row stands for the unit while the unit's `UnitChange` row (touched by every save of
  a session, its attendance, agenda and reschedules, and of the group's leaders) has not moved
  since it was counted (`fresh`);
- the other units, changed since or never counted, are counted live by `count`.

So a figure is never stale and a read never writes (a read replica can serve it); a unit's
records cost nothing more to write. `refresh` counts the changed units again and stores them
(`manage.py refresh_figures`, every ten minutes by the timer), so the live part stays small;
`check` compares the stored rows with a full recount (`manage.py refresh_figures --check`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import IsNull

from pangting.core import clock, jobs
from pangting.core.clock import year_bounds
from pangting.core.lookups import Ids
from pangting.core.models import Job
from pangting.lib.messages import N_
from pangting.orgs.models import StudyGroupMember, UnitChange
from pangting.orgs.units import units as all_units
from pangting.study.models import AgendaItem, Attendance, Reschedule, SessionKind, StudySession
from pangting.study.parameters import get_parameters

from .models import StudyFigures

BATCH = 500  # units counted and stored at once by `refresh`


@dataclass
class Counts:
    """One unit's figures: the columns of `StudyFigures`, in the same order."""

    sessions: int = 0
    expected: int = 0
    present: int = 0
    meeting_threshold: int = 0
    scheduled: int = 0
    rescheduled_once: int = 0
    rescheduled_twice_or_more: int = 0
    held: int = 0
    first_item: int = 0
    secretary_led: int = 0
    arrangement_on_time: int = 0
    arrangement_late: int = 0
    report_on_time: int = 0
    report_late: int = 0


FIELDS = tuple(f.name for f in fields(Counts))


def _center_group_sessions(unit_ids: Sequence[int], year: int) -> QuerySet[StudySession]:
    start, end = year_bounds(year)
    return StudySession.objects.filter(
        organization_id__any_of=Ids(unit_ids), kind=SessionKind.CENTER_GROUP, starts_at__gte=start, starts_at__lt=end
    )


def count(unit_ids: Sequence[int], year: int, threshold: Fraction) -> dict[int, Counts]:
    """Every unit's figures counted from the records: two queries, whatever the number of units.

    R-S3 over the held sessions with an attendance list: expected and present people (列席 people
    excluded, R-S20), and the sessions whose own rate reached `threshold` (the rate is exact, so 9
    of 10 is 90 % and passes). Of the held sessions, those that studied the first agenda item
    (R-S4) and those led by the group's leader, the secretary, on that day (R-S12). Of all the
    sessions, those rescheduled once, and twice or more (R-S11, "postponed again and again"). Of
    the sessions not cancelled, the arrangement forms and reports submitted on time and late (R-S10).
    """
    counted = {pk: Counts() for pk in unit_ids}
    if not counted:
        return counted
    held = Q(status=StudySession.Status.HELD)
    per_session = (
        Attendance.objects.filter(session__in=_center_group_sessions(unit_ids, year).filter(held))
        .exclude(role=Attendance.Role.OBSERVER)
        .values("session_id", "session__organization_id")
        .annotate(expected=Count("pk"), present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)))
        .order_by()
    )
    for row in per_session:
        unit = counted[row["session__organization_id"]]
        unit.sessions += 1
        unit.expected += row["expected"]
        unit.present += row["present"]
        unit.meeting_threshold += Fraction(row["present"], row["expected"]) >= threshold
    first_item = AgendaItem.objects.filter(session=OuterRef("pk"), kind=AgendaItem.Kind.FIRST_ITEM)
    reschedules = (
        Reschedule.objects.filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    day = OuterRef("local_day")
    leader_that_day = StudyGroupMember.objects.filter(
        group_id=OuterRef("group_id"), person_id=OuterRef("led_by_id"), role=StudyGroupMember.Role.LEADER
    ).filter(Q(joined_on__isnull=True) | Q(joined_on__lte=day), Q(left_on__isnull=True) | Q(left_on__gte=day))
    # R-S10 (`workdays.timeliness.classify`): submitted on or before the due date (its local day), or after it.
    submissions = {}
    for deadline in ("arrangement", "report"):
        done_on, due = f"{deadline}_on", F(f"{deadline}_due")
        judged = ~Q(status=StudySession.Status.CANCELLED) & Q(**{f"{done_on}__isnull": False})
        submissions[f"{deadline}_on_time"] = Count("pk", filter=judged & Q(**{f"{done_on}__lte": due}))
        submissions[f"{deadline}_late"] = Count("pk", filter=judged & Q(**{f"{done_on}__gt": due}))
    per_unit = (
        _center_group_sessions(unit_ids, year)
        .alias(
            arrangement_on=TruncDate("arrangement_submitted_at"),
            report_on=TruncDate("report_submitted_at"),
            local_day=TruncDate("starts_at"),
            reschedule_count=Coalesce(Subquery(reschedules), 0),
            has_first_item=Exists(first_item),
            led_by_leader=Exists(leader_that_day),
        )
        .order_by()
        .values("organization_id")
        .annotate(
            scheduled=Count("pk"),
            rescheduled_once=Count("pk", filter=Q(reschedule_count=1)),
            rescheduled_twice_or_more=Count("pk", filter=Q(reschedule_count__gte=2)),
            held=Count("pk", filter=held),
            first_item=Count("pk", filter=held & Q(has_first_item=True)),
            secretary_led=Count("pk", filter=held & Q(led_by_leader=True)),
            **submissions,
        )
    )
    for row in per_unit:
        unit = counted[row.pop("organization_id")]
        for name, n in row.items():
            setattr(unit, name, n)
    return counted


def fresh(year: int, threshold: Fraction) -> QuerySet[StudyFigures]:
    """The stored rows of `year` that still stand for their unit's records.

    A row is stale once its unit's `UnitChange.changed_at` differs from the value read before
    counting (a write that committed after the count), or is not earlier than the count (a
    change within the same instant, as under a stopped clock), or when the R-S3 threshold
    changed since. One anti-join.
    """
    moved = UnitChange.objects.filter(unit_id=OuterRef("unit_id")).filter(
        Q(changed_at__gte=OuterRef("counted_at"))
        | Q(changed_at__lt=OuterRef("seen_change"))
        | Q(changed_at__gt=OuterRef("seen_change"))
        | IsNull(OuterRef("seen_change"), True)
    )
    return StudyFigures.objects.filter(year=year, threshold=str(threshold)).exclude(Exists(moved))


def figures(unit_ids: Sequence[int], year: int) -> dict[int, Counts]:
    """The figures of these units: the fresh stored rows, and a live count of the others.

    At most four queries (the parameters, the stored rows, and `count` when a unit is not fresh).
    """
    threshold = get_parameters().participation_threshold
    stored = {
        row[0]: Counts(*row[1:])
        for row in fresh(year, threshold).filter(unit_id__any_of=Ids(unit_ids)).values_list("unit_id", *FIELDS)
    }
    missing = [pk for pk in unit_ids if pk not in stored]
    counted = count(missing, year, threshold) if missing else {}
    return {pk: stored.get(pk) or counted[pk] for pk in unit_ids}


def _store(unit_ids: Sequence[int], year: int, threshold: Fraction) -> None:
    """Count these units and store their rows (one batch: the changes read, two counts, one upsert)."""
    seen = dict(UnitChange.objects.filter(unit_id__any_of=Ids(unit_ids)).values_list("unit_id", "changed_at"))
    counted_at = clock.now()
    rows = [
        StudyFigures(
            unit_id=pk,
            year=year,
            counted_at=counted_at,
            seen_change=seen.get(pk),
            threshold=str(threshold),
            **{name: getattr(counts, name) for name in FIELDS},
        )
        for pk, counts in count(unit_ids, year, threshold).items()
    ]
    StudyFigures.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["unit", "year"],
        update_fields=["counted_at", "seen_change", "threshold", *FIELDS],
    )


def refresh(year: int, *, everything: bool = False, progress: Callable[[int, int], None] | None = None) -> int:
    """Count again and store every unit whose row is missing or stale (or every unit); the number stored.

    In batches of `BATCH` units, each in its own transaction, so a province refresh holds no
    long lock and a failure keeps the batches already stored. Rows of organizations that are no
    longer units are left: nothing reads them.
    """
    threshold = get_parameters().participation_threshold
    unit_ids = sorted(all_units().values_list("pk", flat=True))
    if not everything:
        kept = set(fresh(year, threshold).values_list("unit_id", flat=True))
        unit_ids = [pk for pk in unit_ids if pk not in kept]
    for start in range(0, len(unit_ids), BATCH):
        with transaction.atomic():
            _store(unit_ids[start : start + BATCH], year, threshold)
        if progress is not None:
            progress(min(start + BATCH, len(unit_ids)), len(unit_ids))
    return len(unit_ids)


def refresh_job(job: Job, *, year: int, everything: bool = False) -> dict[str, Any]:
    """The worker's side of `refresh_figures --enqueue` (the timer), telling the job after each batch."""

    def report(done: int, total: int) -> None:
        jobs.progress(job, done, total, N_("已统计{done}个单位，共{total}个。"), done=done, total=total)

    return {"units": refresh(year, everything=everything, progress=report)}


@dataclass(frozen=True)
class Difference:
    unit_id: int
    field: str
    stored: int
    counted: int


def check(year: int) -> list[Difference]:
    """Every figure of a fresh stored row that differs from a full recount of the records (none: they agree)."""
    threshold = get_parameters().participation_threshold
    stored = {row[0]: Counts(*row[1:]) for row in fresh(year, threshold).values_list("unit_id", *FIELDS)}
    unit_ids = sorted(stored)
    differences = []
    for start in range(0, len(unit_ids), BATCH):
        batch = unit_ids[start : start + BATCH]
        for pk, counted in count(batch, year, threshold).items():
            differences += [
                Difference(pk, name, getattr(stored[pk], name), getattr(counted, name))
                for name in FIELDS
                if getattr(stored[pk], name) != getattr(counted, name)
            ]
    return differences
