"""The figures of a bulletin or annual summary (R-O15), computed from the records.

Plain functions over one supervising organization's subtree and one period (a calendar
year, or one semester starting in it, bounded by `core.semesters`). The
result is a JSON-ready dict (`Figures`) stored on each document version, so a version can
be regenerated exactly as it was issued. Decimal figures are kept as strings ("82.5") so
that JSON never rounds them. A fixed number of queries whatever the size of the data.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import NotRequired, TypedDict

from django.db.models import Count, Q, QuerySet, Subquery
from django.utils import timezone

from pangting.core import clock, parameters
from pangting.core.semesters import semester_bounds
from pangting.observation import rectification
from pangting.observation.models import (
    CHECKLIST_POINTS,
    OBSERVED_STATES,
    Feedback,
    Mode,
    ObservationRecord,
    Practice,
    Rectification,
    Replication,
    State,
    Visit,
)
from pangting.orgs.models import Organization
from pangting.orgs.units import is_supervising, units_supervised_by
from pangting.study.models import Attendance, SessionKind, StudySession
from pangting.study.services.facts import annotate_leaders
from pangting.workdays.timeliness import is_on_time

ONE_DECIMAL = Decimal("0.1")
PRACTICE_TITLES_SHOWN = 5


class UnitRow(TypedDict):
    """One line of the bulletin's per-unit table."""

    name: str
    sessions_held: int
    led_by_secretary: int
    participation: str | None  # "93.8%", None when no attendance was taken
    visits: int
    observed: bool
    score: str | None  # average composite score of the unit's filed records (R-O18)


class PracticeLine(TypedDict):
    title: str
    unit: str
    status: str
    replications: int


class EscalatedLine(TypedDict):
    """An item overdue past the last escalation step (R-O10): named in the bulletin."""

    unit: str
    problem: str
    deadline: str
    overdue_days: int


class ProblemLine(TypedDict):
    key: str
    label: str
    count: int


class Figures(TypedDict):
    """Everything a bulletin or summary states in numbers; see `compute_figures`."""

    organization: str
    year: int
    semester: int | None
    period_start: str
    period_end: str
    computed_on: str
    units_total: int
    units_observed: int
    units_not_observed: list[str]
    visits_total: int
    visits_by_mode: dict[str, int]
    visits_observed: int
    records_filed: int
    records_on_time: int
    score_count: int
    score_avg: str | None
    score_min: str | None
    score_max: str | None
    practices_found: int
    practices_promoted: int
    replications: int
    replicating_units: int
    practice_lines: list[PracticeLine]
    sessions_held: int
    sessions_led_by_secretary: int
    secretary_led_share: str | None
    participation: str | None
    feedback_issued: int
    problems_by_point: list[ProblemLine]
    rectification_total: int
    rectification_verified: int
    rectification_overdue: int
    rectification_in_progress: int
    rectification_escalated: NotRequired[list[EscalatedLine]]  # R-O10: red, named in the bulletin
    units: list[UnitRow]


def period_bounds(year: int, semester: int | None = None) -> tuple[dt.date, dt.date]:
    """First and last day of the period: the calendar year, or one semester (`core.semesters`)."""
    if semester:
        return semester_bounds(year, semester)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _aware_range(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in the project's time zone."""
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    after = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return first, after


def _one_decimal(value: Decimal) -> str:
    return str(value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP))


def percent(part: int, whole: int) -> str | None:
    """ "66.7%" (half up), or None when there is nothing to divide by."""
    if whole <= 0:
        return None
    return _one_decimal(Decimal(part) * 100 / Decimal(whole)) + "%"


def units_of(organization: Organization) -> QuerySet[Organization]:
    """The units a supervising organization observes (`orgs.units`)."""
    return units_supervised_by(organization)


def compute_figures(
    organization: Organization, year: int, semester: int | None = None, *, today: dt.date | None = None
) -> Figures:
    """Count the period's observation and study in `organization`'s subtree (R-O15, R-O16, R-O18, R-S12)."""
    today = today or clock.today()
    start, end = period_bounds(year, semester)
    moment_from, moment_to = _aware_range(start, end)
    units = list(units_of(organization))

    # Visits of the period (R-O2), cancelled ones aside.
    visit_filter = Q(unit__path__startswith=organization.path, year=year) & ~Q(state=State.CANCELLED)
    if is_supervising(organization):
        # A supervising level's own center group is the level above's to observe (R-O23).
        visit_filter &= ~Q(unit_id=organization.pk)
    if semester:
        visit_filter &= Q(semester=semester)
    visit_qs = Visit.objects.filter(visit_filter)
    visits = list(visit_qs.values("id", "unit_id", "mode", "state"))
    by_mode = Counter(v["mode"] for v in visits)
    visits_per_unit = Counter(v["unit_id"] for v in visits)
    observed_units = {v["unit_id"] for v in visits if v["state"] in OBSERVED_STATES}

    # Records (R-O8) and their composite scores (R-O18).
    records = list(
        ObservationRecord.objects.filter(visit__in=visit_qs, filed_at__isnull=False).values(
            "filed_at", "composite_score", "visit__record_due", "visit__unit_id"
        )
    )
    # R-O8 "按时填报": `workdays.timeliness` — a record without a due date is not judged.
    on_time = sum(1 for r in records if is_on_time(timezone.localdate(r["filed_at"]), r["visit__record_due"]))
    scores = [Decimal(r["composite_score"]) for r in records if r["composite_score"] is not None]
    scores_by_unit: dict[int, list[Decimal]] = defaultdict(list)
    for r in records:
        if r["composite_score"] is not None:
            scores_by_unit[r["visit__unit_id"]].append(Decimal(r["composite_score"]))

    # Typical practices found in the period and replications made in it (R-O16).
    practices = list(
        Practice.objects.filter(
            unit__path__startswith=organization.path, created_at__gte=moment_from, created_at__lt=moment_to
        )
        .annotate(n=Count("replications", filter=Q(replications__deleted_at__isnull=True)))
        .values("title", "unit__name", "status", "n")
        .order_by("-n", "created_at")
    )
    replications = list(
        Replication.objects.filter(
            practice__unit__path__startswith=organization.path,
            practice__deleted_at__isnull=True,
            on__gte=start,
            on__lte=end,
        ).values_list("unit_id", flat=True)
    )

    # Center-group sessions held, and who led them (R-S12); participation (R-S3).
    # The unit ids, not the units' query: nested under the attendance query below, its
    # correlated "not under a lower supervising organization" test made PostgreSQL run for minutes.
    session_qs = StudySession.objects.filter(
        organization__in=[unit.pk for unit in units],
        kind=SessionKind.CENTER_GROUP,
        status=StudySession.Status.HELD,
        starts_at__gte=moment_from,
        starts_at__lt=moment_to,
    )
    sessions = list(session_qs.only("id", "organization_id", "group_id", "led_by_id", "starts_at"))
    annotate_leaders(sessions)
    held_per_unit = Counter(s.organization_id for s in sessions)
    led_per_unit = Counter(s.organization_id for s in sessions if s.led_by_id in s._group_leader_ids)
    attendance = {
        row["session__organization_id"]: row
        for row in Attendance.objects.filter(session__in=session_qs.values("pk"))
        .exclude(role=Attendance.Role.OBSERVER)  # R-S20: 列席 people do not count in the rate
        .values("session__organization_id")
        .annotate(
            expected=Count("id"),
            present=Count("id", filter=Q(status=Attendance.Status.PRESENT)),
        )
    }

    # Problems by the 11 checklist points of issued feedback (R-O9).
    checklists = list(
        Feedback.objects.filter(visit__in=visit_qs, issued_at__isnull=False).values_list("checklist", flat=True)
    )
    problem_counts: Counter[str] = Counter()
    for checklist in checklists:
        for key, point in (checklist or {}).items():
            if isinstance(point, dict) and point.get("problem"):
                problem_counts[key] += 1

    # Rectification (R-O10), with the units' own problem lists opened in the period (R-O25).
    item_qs = Rectification.objects.filter(
        Q(visit__in=visit_qs)
        | Q(visit__isnull=True, unit__in=units, created_at__gte=moment_from, created_at__lt=moment_to)
    )
    items = list(item_qs.values_list("status", "deadline"))
    escalated: list[EscalatedLine] = []
    escalation_params = parameters.values(rectification.RULE)
    for item in item_qs.filter(status__in=rectification.OPEN_STATUSES, deadline__lt=today).select_related("unit"):
        level = rectification.escalation(item, today, escalation_params)
        if level.red:
            escalated.append(
                {
                    "unit": item.unit.name,
                    "problem": item.problem[:60],
                    "deadline": item.deadline.isoformat() if item.deadline else "",
                    "overdue_days": level.overdue_days,
                }
            )
    verified = sum(1 for status, _deadline in items if status == Rectification.Status.ACCEPTED)
    overdue = sum(
        1
        for status, deadline in items
        if status in (Rectification.Status.OPEN, Rectification.Status.SENT_BACK) and deadline and deadline < today
    )

    led_total = sum(led_per_unit.values())
    expected_total = sum(row["expected"] for row in attendance.values())
    present_total = sum(row["present"] for row in attendance.values())
    unit_rows: list[UnitRow] = []
    for unit in units:
        row = attendance.get(unit.pk)
        unit_scores = scores_by_unit.get(unit.pk, [])
        unit_rows.append(
            {
                "name": unit.name,
                "sessions_held": held_per_unit[unit.pk],
                "led_by_secretary": led_per_unit[unit.pk],
                "participation": percent(row["present"], row["expected"]) if row else None,
                "visits": visits_per_unit[unit.pk],
                "observed": unit.pk in observed_units,
                "score": _one_decimal(sum(unit_scores) / len(unit_scores)) if unit_scores else None,
            }
        )
    return {
        "organization": organization.name,
        "year": year,
        "semester": semester,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "computed_on": today.isoformat(),
        "units_total": len(units),
        "units_observed": sum(1 for u in units if u.pk in observed_units),
        "units_not_observed": [u.name for u in units if u.pk not in observed_units],
        "visits_total": len(visits),
        "visits_by_mode": {mode.value: by_mode[mode.value] for mode in Mode},
        "visits_observed": sum(1 for v in visits if v["state"] in OBSERVED_STATES),
        "records_filed": len(records),
        "records_on_time": on_time,
        "score_count": len(scores),
        "score_avg": _one_decimal(sum(scores) / len(scores)) if scores else None,
        "score_min": _one_decimal(min(scores)) if scores else None,
        "score_max": _one_decimal(max(scores)) if scores else None,
        "practices_found": len(practices),
        "practices_promoted": sum(1 for p in practices if p["status"] == Practice.Status.PROMOTED),
        "replications": len(replications),
        "replicating_units": len(set(replications)),
        "practice_lines": [
            {"title": p["title"], "unit": p["unit__name"], "status": p["status"], "replications": p["n"]}
            for p in practices[:PRACTICE_TITLES_SHOWN]
        ],
        "sessions_held": len(sessions),
        "sessions_led_by_secretary": led_total,
        "secretary_led_share": percent(led_total, len(sessions)),
        "participation": percent(present_total, expected_total),
        "feedback_issued": len(checklists),
        "problems_by_point": [
            {"key": key, "label": label, "count": problem_counts[key]} for key, label in CHECKLIST_POINTS
        ],
        "rectification_total": len(items),
        "rectification_verified": verified,
        "rectification_overdue": overdue,
        "rectification_in_progress": len(items) - verified,
        "rectification_escalated": escalated,
        "units": unit_rows,
    }


def inputs_changed_at(organization: Organization, year: int) -> dt.datetime | None:
    """The latest change (`updated_at`) to any record `compute_figures` counts for `year` in the subtree.

    Issuing compares it with the version's `figures_computed_at`: figures computed before it
    are stale (issue 16). One query: one scalar subquery per input table."""
    prefix = organization.path
    start, end = period_bounds(year)
    moment_from, moment_to = _aware_range(start, end)
    inputs: dict[str, QuerySet] = {
        "visits": Visit.all_objects.filter(unit__path__startswith=prefix, year=year),
        "records": ObservationRecord.all_objects.filter(visit__unit__path__startswith=prefix, visit__year=year),
        "feedback": Feedback.all_objects.filter(visit__unit__path__startswith=prefix, visit__year=year),
        "rectification": Rectification.all_objects.filter(unit__path__startswith=prefix).filter(
            Q(visit__year=year) | Q(visit__isnull=True, created_at__year=year)  # problem lists too (R-O25)
        ),
        "practices": Practice.all_objects.filter(unit__path__startswith=prefix, created_at__gte=moment_from),
        "replications": Replication.all_objects.filter(practice__unit__path__startswith=prefix, on__gte=start),
        "sessions": StudySession.all_objects.filter(
            organization__path__startswith=prefix, starts_at__gte=moment_from, starts_at__lt=moment_to
        ),
        "attendance": Attendance.all_objects.filter(
            session__organization__path__startswith=prefix,
            session__starts_at__gte=moment_from,
            session__starts_at__lt=moment_to,
        ),
    }
    row = (
        Organization.objects.filter(pk=organization.pk)
        .annotate(
            **{name: Subquery(qs.order_by("-updated_at").values("updated_at")[:1]) for name, qs in inputs.items()}
        )
        .values(*inputs)
        .first()
    )
    moments = [moment for moment in (row or {}).values() if moment is not None]
    return max(moments) if moments else None
