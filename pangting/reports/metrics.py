"""Dashboard figures: plain query functions over a set of units and a year.

Every function takes the units (Organization rows the caller has already scoped through
the policy module) and a year, and returns plain dataclasses that the dashboard, the unit
page and the bulletins render as they like. None of them checks access.

Each runs a fixed number of queries whatever the data size: one bulk query per figure,
filtered on `unit_id__in`, with the grouping done in the database or in one pass over the
rows. They read the due dates and submission timestamps stored on the records and never
recompute a deadline (a calendar correction must not move a deadline already issued).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce, ExtractMonth, Substr, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pangting.core import clock
from pangting.core.clock import year_bounds
from pangting.core.lookups import Ids
from pangting.observation.coverage import Coverage
from pangting.observation.coverage import coverage as observation_coverage
from pangting.observation.models import (
    OBSERVED_STATES,
    CrossObservation,
    Mode,
    ObservationRecord,
    Rectification,
    State,
    Visit,
)
from pangting.orgs.models import Organization
from pangting.study.models import Attendance, Reschedule, SessionKind, StudySession
from pangting.study.parameters import get_parameters
from pangting.workdays.timeliness import LATE, ON_TIME, OVERDUE, PENDING, classify  # noqa: F401

from . import study_figures

# A group of units whose figures are added together (a supervising level, say).
K = TypeVar("K", bound=Hashable)

# The units' `study_figures.figures`, when the caller has read them for several figures.
Counted = dict[int, study_figures.Counts] | None

# R-O12: each unit is observed at least once per semester (the default minimum for R-O17).
DEFAULT_MIN_VISITS_PER_SEMESTER = 1

# Days a rectification has been open (R-O10), as the ageing chart groups them.
AGEING_BUCKETS: list[tuple[str, int, int | None]] = [
    (gettext_lazy("0–30天"), 0, 30),
    (gettext_lazy("31–60天"), 31, 60),
    (gettext_lazy("61–90天"), 61, 90),
    (gettext_lazy("90天以上"), 91, None),
]


def semester_label(year: int, semester: int) -> str:
    """2026年春季学期 / Spring semester 2026."""
    if semester == 1:
        return _("{year}年春季学期").format(year=year)
    return _("{year}年秋季学期").format(year=year)


def _ids(units: Sequence[Organization]) -> Ids:
    """The units' ids for `__any_of`, made once per query (`Ids`: not walked id by id)."""
    return Ids(u.pk for u in units)


def _day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def _ratio(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def percent(value: Fraction | None) -> float | None:
    """A ratio as a percentage with one decimal, for charts and tables (None stays None)."""
    return None if value is None else round(float(value) * 100, 1)


# --- coverage (R-O11) ------------------------------------------------------------------


def coverage(units: Sequence[Organization], year: int, *, start: int | None = None) -> Coverage:
    """R-O11 over the two-year round holding `year` (`observation.coverage`, the one definition)."""
    return observation_coverage(units, year, start=start)


# --- timeliness of every deadline -----------------------------------------------------

# Outcomes and `classify` are `workdays.timeliness`'s, the one definition of "on time".


@dataclass
class DeadlineCounts:
    """How one kind of deadline fared: counts of on time, late, overdue and still open, not yet due."""

    kind: str
    label: str
    rule: str
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    pending: int = 0

    def add(self, outcome: str | None) -> None:
        if outcome is not None:
            setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.overdue + self.pending


def timeliness(
    units: Sequence[Organization], year: int, today: dt.date | None = None, counted: Counted = None
) -> list[DeadlineCounts]:
    """Every deadline of the year's records, from their stored due dates. A fixed number of queries.

    R-S10 the arrangement form before and the report after each center-group session (the
    submissions made from the units' figures, `study_figures`; those still owed counted here);
    R-O4 the unit's reply to the letter; R-O8 the record; R-O9 the feedback; R-O13 the
    visiting unit's written report after a cross-observation; R-O10 each rectification.
    """
    return timeliness_by({u.pk: None for u in units}, year, today, counted).get(None) or _deadline_rows()


def _deadline_rows() -> list[DeadlineCounts]:
    return [
        DeadlineCounts(kind, label, rule)
        for kind, label, rule in [
            ("arrangement", _("学习安排报送表（会前）"), "R-S10"),
            ("report", _("会后材料报送宣传部"), "R-S10"),
            ("reply", _("函告回复"), "R-O4"),
            ("record", _("旁听记录填报"), "R-O8"),
            ("feedback", _("书面反馈"), "R-O9"),
            ("cross_report", _("交叉旁听书面报告"), "R-O13"),
            ("rectification", _("整改完成"), "R-O10"),
        ]
    ]


def timeliness_by(
    groups: Mapping[int, K], year: int, today: dt.date | None = None, counted: Counted = None
) -> dict[K, list[DeadlineCounts]]:
    """`timeliness` of several groups of units at once (`groups`: a unit's id → its group).

    The same fixed number of queries as for one group, each grouped by unit when there are
    several groups (issue 15: the levels page compares every supervising level in one reading).
    """
    today = today or clock.today()
    ids = list(groups)
    wanted = Ids(ids)
    start, end = year_bounds(year)
    tables = {key: {row.kind: row for row in _deadline_rows()} for key in dict.fromkeys(groups.values())}
    # Counted in the database (issue 15), by `classify`'s rule written as four conditions per deadline.
    counted = study_figures.figures(ids, year) if counted is None else counted
    for pk, counts in counted.items():
        if pk in groups:
            for deadline in ("arrangement", "report"):
                row = tables[groups[pk]][deadline]
                row.on_time += getattr(counts, f"{deadline}_on_time")
                row.late += getattr(counts, f"{deadline}_late")
    owed: dict[str, Count] = {}
    for deadline in ("arrangement", "report"):
        not_done = Q(**{f"{deadline}_submitted_at__isnull": True})
        owed[f"{deadline}:{OVERDUE}"] = Count("pk", filter=not_done & Q(**{f"{deadline}_due__lt": today}))
        owed[f"{deadline}:{PENDING}"] = Count("pk", filter=not_done & Q(**{f"{deadline}_due__gte": today}))
    # Overdue or pending depends on the day: read from the sessions still owing a submission
    # (the partial index `session_unsubmitted`), not from every session of the year.
    unsubmitted = (
        StudySession.objects.filter(
            organization_id__any_of=wanted, kind=SessionKind.CENTER_GROUP, starts_at__gte=start, starts_at__lt=end
        )
        .filter(Q(arrangement_submitted_at__isnull=True) | Q(report_submitted_at__isnull=True))
        .exclude(status=StudySession.Status.CANCELLED)
    )
    _add(tables, _per_group(unsubmitted, "organization_id", groups, owed))
    visits = (
        Visit.objects.filter(unit_id__any_of=wanted, year=year)
        .exclude(state=State.CANCELLED)
        .alias(filed_on=TruncDate("record__filed_at"), issued_on=TruncDate("feedback__issued_at"))
    )
    on_visits = {
        "reply": ("reply_received_on", "reply_due"),
        "record": ("filed_on", "record_due"),
        "feedback": ("issued_on", "feedback_due"),
    }
    _tally(tables, groups, visits, "unit_id", on_visits, today)
    # The written report is the visiting unit's duty, so it counts against the visitor.
    cross = (
        CrossObservation.objects.filter(visitor_id__any_of=wanted, year=year)
        .exclude(status=CrossObservation.Status.CANCELLED)
        .alias(reported_on=TruncDate("reported_at"))
    )
    _tally(tables, groups, cross, "visitor_id", {"cross_report": ("reported_on", "report_due")}, today)
    done = (Rectification.Status.REPORTED, Rectification.Status.ACCEPTED)
    items = Rectification.objects.filter(visit__unit_id__any_of=wanted, visit__year=year).alias(
        finished_on=Case(When(status__in=done, then=TruncDate(Coalesce("reported_at", "verified_at"))), default=None)
    )
    _tally(tables, groups, items, "visit__unit_id", {"rectification": ("finished_on", "deadline")}, today)
    return {key: list(table.values()) for key, table in tables.items()}


def _per_group(
    records: QuerySet[Any], unit_field: str, groups: Mapping[int, K], counts: dict[str, Count]
) -> Iterator[tuple[K, dict[str, int | None]]]:
    """`counts` over `records` for each group: one aggregate, grouped by unit only when the units
    fall in more than one group (one group sums in the database)."""
    keys = set(groups.values())
    if len(keys) <= 1:
        if keys:
            yield next(iter(keys)), records.order_by().aggregate(**counts)
        return
    for row in records.order_by().values(unit_field).annotate(**counts):
        yield groups[row.pop(unit_field)], row


def _add(tables: dict[K, dict[str, DeadlineCounts]], counted: Iterable[tuple[K, dict[str, int | None]]]) -> None:
    """Add counts keyed "kind:outcome" into each group's deadline rows."""
    for key, counts in counted:
        for name, n in counts.items():
            kind, outcome = name.split(":")
            row = tables[key][kind]
            setattr(row, outcome, getattr(row, outcome) + (n or 0))


def _tally(
    tables: dict[K, dict[str, DeadlineCounts]],
    groups: Mapping[int, K],
    records: QuerySet[Any],
    unit_field: str,
    deadlines: dict[str, tuple[str, str]],
    today: dt.date,
) -> None:
    """Add each deadline's outcomes over `records` in one aggregate query: `classify` as conditions.

    `deadlines` maps a row's kind to (the local day it was done, its due date): on time when done on
    or before the due date, late when after it, overdue when not done and due before today, pending
    when not done and not yet past due; a record without a due date is not judged (not counted).
    Each record counts in the group of its unit (`unit_field`).
    """
    counts: dict[str, Count] = {}
    for kind, (done_on, due) in deadlines.items():
        not_done = Q(**{f"{done_on}__isnull": True})
        counts[f"{kind}:{ON_TIME}"] = Count("pk", filter=~not_done & Q(**{f"{done_on}__lte": F(due)}))
        counts[f"{kind}:{LATE}"] = Count("pk", filter=~not_done & Q(**{f"{done_on}__gt": F(due)}))
        counts[f"{kind}:{OVERDUE}"] = Count("pk", filter=not_done & Q(**{f"{due}__lt": today}))
        counts[f"{kind}:{PENDING}"] = Count("pk", filter=not_done & Q(**{f"{due}__gte": today}))
    _add(tables, _per_group(records, unit_field, groups, counts))


# --- participation (R-S3) --------------------------------------------------------------


@dataclass(frozen=True)
class ParticipationRow:
    unit: Organization
    sessions: int  # held center-group sessions with an attendance list
    expected: int
    present: int
    meeting_threshold: int  # sessions whose own rate reached the threshold

    @property
    def rate(self) -> Fraction | None:
        return _ratio(self.present, self.expected)


@dataclass(frozen=True)
class Participation:
    threshold: Fraction
    rows: list[ParticipationRow]

    @property
    def rate(self) -> Fraction | None:
        return _ratio(sum(r.present for r in self.rows), sum(r.expected for r in self.rows))

    @property
    def has_data(self) -> bool:
        return any(r.sessions for r in self.rows)


def participation(units: Sequence[Organization], year: int, counted: Counted = None) -> Participation:
    """R-S3: present ÷ expected over the year's held center-group sessions, per unit.

    Also how many sessions reached the threshold on their own. From the units' figures
    (`study_figures.figures`, read here unless the caller passes them as `counted`).
    """
    threshold = get_parameters().participation_threshold
    counted = study_figures.figures([u.pk for u in units], year) if counted is None else counted
    return Participation(
        threshold,
        [
            ParticipationRow(u, c.sessions, c.expected, c.present, c.meeting_threshold)
            for u in units
            for c in [counted[u.pk]]
        ],
    )


@dataclass(frozen=True)
class MonthRate:
    month: int
    expected: int
    present: int

    @property
    def rate(self) -> Fraction | None:
        return _ratio(self.present, self.expected)


def participation_by_month(units: Sequence[Organization], year: int) -> list[MonthRate]:
    """R-S3 month by month: present ÷ expected over the held center-group sessions of each month
    of `year` (the leadership's participation trend). One query; months without sessions are empty."""
    start, end = year_bounds(year)
    rows = (
        Attendance.objects.filter(
            session__organization_id__any_of=_ids(units),
            session__kind=SessionKind.CENTER_GROUP,
            session__status=StudySession.Status.HELD,
            session__deleted_at__isnull=True,
            session__starts_at__gte=start,
            session__starts_at__lt=end,
        )
        .exclude(role=Attendance.Role.OBSERVER)  # R-S20
        .annotate(month=ExtractMonth("session__starts_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(expected=Count("pk"), present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)))
        .order_by()
    )
    by_month = {row["month"]: (row["expected"], row["present"]) for row in rows}
    return [MonthRate(month, *by_month.get(month, (0, 0))) for month in range(1, 13)]


# --- sessions: first agenda item (R-S4), secretary-led (R-S12), postponements (R-S11) ----


@dataclass(frozen=True)
class PostponedSession:
    pk: int
    title: str
    starts_at: dt.datetime
    reschedules: int


# The counts a `SessionRow` takes from `study_figures.Counts`.
SESSION_COUNTS = ("held", "first_item", "secretary_led", "scheduled", "rescheduled_once", "rescheduled_twice_or_more")


@dataclass
class SessionRow:
    unit: Organization
    held: int = 0
    first_item: int = 0
    secretary_led: int = 0
    scheduled: int = 0  # every session of the year, whatever its status (for R-S11)
    rescheduled_once: int = 0
    rescheduled_twice_or_more: int = 0
    postponed: list[PostponedSession] = field(default_factory=list)

    @property
    def first_item_rate(self) -> Fraction | None:
        return _ratio(self.first_item, self.held)

    @property
    def secretary_led_rate(self) -> Fraction | None:
        return _ratio(self.secretary_led, self.held)


@dataclass(frozen=True)
class SessionStats:
    rows: list[SessionRow]

    def total(self, name: str) -> int:
        return sum(getattr(r, name) for r in self.rows)

    @property
    def first_item_rate(self) -> Fraction | None:
        return _ratio(self.total("first_item"), self.total("held"))

    @property
    def secretary_led_rate(self) -> Fraction | None:
        return _ratio(self.total("secretary_led"), self.total("held"))


def sessions(units: Sequence[Organization], year: int, counted: Counted = None) -> SessionStats:
    """The year's center-group sessions per unit: the counts (`study_figures`) and the rescheduled sessions.

    Of the held sessions: how many studied the first agenda item (R-S4) and how many were
    led by the group's leader, the secretary, on that day (R-S12). Of all sessions: how many
    were rescheduled once, and twice or more (R-S11, "postponed again and again").
    """
    counted = study_figures.figures([u.pk for u in units], year) if counted is None else counted
    rows = {u.pk: SessionRow(u, **{name: getattr(counted[u.pk], name) for name in SESSION_COUNTS}) for u in units}
    start, end = year_bounds(year)
    reschedules = (
        Reschedule.objects.filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # Only the sessions with a reschedule are read (a semi-join), not a count for every session.
    postponed = (
        StudySession.objects.filter(
            organization_id__any_of=_ids(units),
            kind=SessionKind.CENTER_GROUP,
            starts_at__gte=start,
            starts_at__lt=end,
            pk__in=Reschedule.objects.values("session_id"),
        )
        .annotate(reschedules_made=Subquery(reschedules))
        .order_by("starts_at", "pk")
        .values_list("pk", "organization_id", "title", "starts_at", "reschedules_made")
    )
    for pk, unit_id, title, starts_at, count in postponed:
        rows[unit_id].postponed.append(PostponedSession(pk, title, starts_at, count))
    return SessionStats(list(rows.values()))


# --- scores (R-O18) --------------------------------------------------------------------


@dataclass(frozen=True)
class ScorePoint:
    label: str
    count: int
    average: Decimal | None
    total: Decimal = Decimal(0)  # the scores' sum, so a group's mean is its sum ÷ its count (R-O18)


@dataclass(frozen=True)
class Scores:
    by_unit: list[tuple[Organization, ScorePoint]]
    by_month: list[ScorePoint]  # the 12 months of the year
    by_semester: list[ScorePoint]  # the spring and autumn semesters of the last three years

    @property
    def has_data(self) -> bool:
        return any(p.count for p in self.by_month) or any(p.count for _, p in self.by_unit)


def _point(label: str, values: list[Decimal]) -> ScorePoint:
    if not values:
        return ScorePoint(label, 0, None)
    total = sum(values, Decimal(0))
    return ScorePoint(label, len(values), (total / len(values)).quantize(Decimal("0.1")), total)


def scores(units: Sequence[Organization], year: int) -> Scores:
    """R-O18: the filed records' composite scores, by unit, by month and by semester. One query.

    A score belongs to the month of the observed session (the filing date when the visit has
    no session); by semester covers `year` - 2 … `year`, to show the trend.
    """
    rows = (
        ObservationRecord.objects.filter(
            visit__unit_id__any_of=_ids(units),
            visit__year__in=[year - 2, year - 1, year],
            visit__deleted_at__isnull=True,
            composite_score__isnull=False,
            filed_at__isnull=False,
        )
        .exclude(visit__state=State.CANCELLED)
        .values_list("visit__unit_id", "visit__year", "visit__semester", "visit__session__starts_at", "filed_at",
                     "composite_score")
    )  # fmt: skip
    by_unit: dict[int, list[Decimal]] = defaultdict(list)
    by_month: dict[int, list[Decimal]] = defaultdict(list)
    by_semester: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for unit_id, visit_year, semester, session_at, filed_at, score in rows:
        by_semester[(visit_year, semester)].append(score)
        if visit_year != year:
            continue
        by_unit[unit_id].append(score)
        when = timezone.localtime(session_at or filed_at)
        if when.year == year:
            by_month[when.month].append(score)
    return Scores(
        by_unit=[(u, _point(u.display_name, by_unit[u.pk])) for u in units],
        by_month=[_point(_("{month}月").format(month=m), by_month[m]) for m in range(1, 13)],
        by_semester=[
            _point(semester_label(y, s), by_semester[(y, s)]) for y in (year - 2, year - 1, year) for s in (1, 2)
        ],
    )


# --- cross-observation matrix (R-O13) --------------------------------------------------


@dataclass(frozen=True)
class CrossMatrix:
    """Per semester: how often each inviting (host) unit had each visiting unit sit in."""

    semester: int
    label: str
    hosts: list[Organization]
    visitors: list[Organization]
    cells: dict[tuple[int, int], int]  # (host_id, visitor_id) -> sittings

    @property
    def total(self) -> int:
        return sum(self.cells.values())


def cross_matrices(units: Sequence[Organization], year: int) -> list[CrossMatrix]:
    """R-O13: cross-observations that took place (attended or reported), host × visitor, per semester.

    A row involves the units when either side is one of them; the axes list the units and
    any partner outside them that appears. One query.
    """
    ids = _ids(units)
    members = set(ids.values)
    held = (CrossObservation.Status.ATTENDED, CrossObservation.Status.REPORTED)
    rows = list(
        CrossObservation.objects.filter(Q(host_id__any_of=ids) | Q(visitor_id__any_of=ids), year=year, status__in=held)
        .select_related("host", "visitor")
        .order_by()
    )
    matrices = []
    for semester in (1, 2):
        cells: Counter[tuple[int, int]] = Counter()
        partners: dict[int, Organization] = {}
        for row in rows:
            if row.semester != semester:
                continue
            cells[(row.host_id, row.visitor_id)] += 1
            for org in (row.host, row.visitor):
                if org.pk not in members:
                    partners[org.pk] = org
        axis = [*units, *sorted(partners.values(), key=lambda o: o.path)]
        matrices.append(CrossMatrix(semester, semester_label(year, semester), axis, axis, dict(cells)))
    return matrices


def cross_by_prefix(units: Sequence[Organization], year: int, depth: int) -> Counter[tuple[int, str, str]]:
    """R-O13: the sittings of `cross_matrices`, counted in the database per (semester, host's path
    prefix, visitor's path prefix) of `depth` characters: one row per pair of organizations at
    that depth, however many units and sittings lie below them. One query.
    """
    ids = _ids(units)
    held = (CrossObservation.Status.ATTENDED, CrossObservation.Status.REPORTED)
    rows = (
        CrossObservation.objects.filter(Q(host_id__any_of=ids) | Q(visitor_id__any_of=ids), year=year, status__in=held)
        .annotate(host_prefix=Substr("host__path", 1, depth), visitor_prefix=Substr("visitor__path", 1, depth))
        .values("semester", "host_prefix", "visitor_prefix")
        .annotate(sittings=Count("pk"))
        .order_by()
    )
    return Counter({(r["semester"], r["host_prefix"], r["visitor_prefix"]): r["sittings"] for r in rows})


@dataclass(frozen=True)
class CrossCount:
    """One unit's sittings in one semester (R-O13): as host (it invited) and as visitor (it sat in)."""

    unit: Organization
    hosted: int
    visited: int

    @property
    def total(self) -> int:
        return self.hosted + self.visited

    @property
    def missing(self) -> int:
        """How many of R-O13's two requirements (invite once, sit in once) the unit has not met."""
        return (not self.hosted) + (not self.visited)


def cross_counts(units: Sequence[Organization], year: int) -> dict[int, list[CrossCount]]:
    """R-O13: each unit's sittings as host and as visitor, per semester, in the units' order.

    Counted in the database per unit (one row per unit that took part, not per sitting). Two queries.
    """
    ids = _ids(units)
    held = (CrossObservation.Status.ATTENDED, CrossObservation.Status.REPORTED)
    base = CrossObservation.objects.filter(year=year, status__in=held).order_by()
    sides: dict[str, Counter[tuple[int, int]]] = {}
    for side in ("host", "visitor"):
        rows = (
            base.filter(**{f"{side}_id__any_of": ids}).values("semester", f"{side}_id").annotate(sittings=Count("pk"))
        )
        sides[side] = Counter({(r["semester"], r[f"{side}_id"]): r["sittings"] for r in rows})
    return {
        semester: [CrossCount(u, sides["host"][(semester, u.pk)], sides["visitor"][(semester, u.pk)]) for u in units]
        for semester in (1, 2)
    }


# --- rectification status and ageing (R-O10) -----------------------------------------


@dataclass(frozen=True)
class RectificationStats:
    by_status: list[tuple[str, str, int]]  # (status, label, count)
    ageing: list[tuple[str, int]]  # (bucket label, open items)
    overdue: int

    @property
    def total(self) -> int:
        return sum(count for _, _, count in self.by_status)


def rectifications(units: Sequence[Organization], year: int, today: dt.date | None = None) -> RectificationStats:
    """R-O10: the year's rectification items by status, and how long the unfinished ones have been open.

    Unfinished = still being worked on or sent back (not yet reported or accepted); age is
    counted in calendar days from the day the item was raised. One query.
    """
    today = today or clock.today()
    unfinished = (Rectification.Status.OPEN, Rectification.Status.SENT_BACK)
    status_counts: Counter[str] = Counter()
    ageing: Counter[str] = Counter()
    overdue = 0
    items = Rectification.objects.filter(visit__unit_id__any_of=_ids(units), visit__year=year).values_list(
        "status", "created_at", "deadline"
    )
    for status, created_at, deadline in items:
        status_counts[status] += 1
        if status not in unfinished:
            continue
        age = (today - timezone.localdate(created_at)).days
        for label, low, high in AGEING_BUCKETS:
            if age >= low and (high is None or age <= high):
                ageing[label] += 1
                break
        overdue += bool(deadline and deadline < today)
    return RectificationStats(
        by_status=[(s.value, str(s.label), status_counts[s.value]) for s in Rectification.Status],
        ageing=[(label, ageing[label]) for label, _, _ in AGEING_BUCKETS],
        overdue=overdue,
    )


# --- frequency beyond the minimum (R-O17) --------------------------------------------


@dataclass(frozen=True)
class FrequencyRow:
    unit: Organization
    by_semester: tuple[int, int]  # observations in the spring and autumn semesters
    by_mode: dict[str, int]  # planned / random / invited
    minimum: int  # per semester

    @property
    def total(self) -> int:
        return sum(self.by_semester)

    @property
    def beyond_minimum(self) -> int:
        """Observations above the minimum, semester by semester (a shortfall is not offset)."""
        return sum(max(0, n - self.minimum) for n in self.by_semester)

    @property
    def below_minimum(self) -> int:
        """Semesters in which the unit was observed fewer times than the minimum."""
        return sum(1 for n in self.by_semester if n < self.minimum)


def frequency(
    units: Sequence[Organization], year: int, minimum: int = DEFAULT_MIN_VISITS_PER_SEMESTER
) -> list[FrequencyRow]:
    """R-O17: observations per unit and semester against the minimum (R-O12), and by mode (R-O2).

    Random and invited visits come on top of the planned ones: the seed asks to report how far
    observation goes beyond the minimum, not just whether the minimum was met. One query.
    """
    counts: Counter[tuple[int, int, str]] = Counter(
        Visit.objects.filter(unit_id__any_of=_ids(units), year=year, state__in=OBSERVED_STATES)
        .values_list("unit_id", "semester", "mode")
        .order_by()
    )
    semesters: Counter[tuple[int, int]] = Counter()
    modes: Counter[tuple[int, str]] = Counter()
    for (unit_id, semester, mode), n in counts.items():
        semesters[(unit_id, semester)] += n
        modes[(unit_id, mode)] += n
    mode_values = [m.value for m in Mode]  # read once, not per unit: 10,000 units in a province
    rows = []
    for u in units:
        pk = u.pk
        by_mode = {m: modes[(pk, m)] for m in mode_values}
        rows.append(FrequencyRow(u, (semesters[(pk, 1)], semesters[(pk, 2)]), by_mode, minimum))
    return rows
