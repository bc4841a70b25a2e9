"""The unit's study archive (R-S14): what each year and each session must keep, and the export.

R-S14: "the unit keeps a study archive: plans, records, attendance, materials" (001 §3.1;
000 §3.2). What counts as complete is a list of archive items, a rule parameter
(`R-S14.items`), so a deployment decides:

* per year: ``annual_plan`` — the year's center-group plan, filed (submitted or acknowledged);
* per session that has taken place (after `R-S14.grace_days`):
  ``agenda`` (the agenda the 学习会方案 prints), ``arrangement`` (the 学习安排报送表 sent),
  ``attendance`` (attendance confirmed), ``minutes`` (the record: the session's 纪要 or an
  uploaded record), ``speeches`` (speakers recorded), ``report`` (the post-session report
  sent), ``materials`` (uploaded study materials).

By default the arrangement form and the report are left out: their timeliness is R-S10's,
and a deployment that wants them in the archive check too adds them to the list.

`archive_gaps` reads all units of a year in a fixed number of queries; the compliance check
(R-S14 in `compliance/checks/study.py`) and the archive page both use it, so they agree.
`archive_export` writes the one-click export of a unit's year.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from pangting.core import clock, dates, parameters
from pangting.core.parameters import Parameter
from pangting.orgs.models import Organization

from .models import AgendaItem, Attachment, Attendance, PlanKind, SessionKind, Speech, StudyPlan, StudySession

RULE = "R-S14"

# Item key → its label (a msgid: stored in findings and shown translated; Chinese in the export).
YEAR_ITEMS: dict[str, str] = {"annual_plan": gettext_noop("年度学习计划（已报送）")}
SESSION_ITEMS: dict[str, str] = {
    "agenda": gettext_noop("议程（学习会方案）"),
    "arrangement": gettext_noop("学习安排报送表（已报送）"),
    "attendance": gettext_noop("考勤记录（已确认）"),
    "minutes": gettext_noop("会议记录/纪要"),
    "speeches": gettext_noop("交流发言材料"),
    "report": gettext_noop("会后材料（已报送）"),
    "materials": gettext_noop("学习材料（附件）"),
}
ITEMS = {**YEAR_ITEMS, **SESSION_ITEMS}
DEFAULT_ITEMS = ["annual_plan", "agenda", "attendance", "minutes", "speeches"]


def register_parameters() -> None:
    """R-S14's numbers, declared by study: the archive page and the check read the same ones."""
    parameters.register(
        RULE,
        Parameter(
            "items",
            list(DEFAULT_ITEMS),
            _(
                "档案必备项（可选：annual_plan 年度计划、agenda 议程、arrangement 安排表、attendance 考勤、"
                "minutes 会议记录、speeches 发言材料、report 会后材料、materials 学习材料）"
            ),
            "list",
        ),
        Parameter("grace_days", 14, _("会后归档期限（自然日）"), "days"),
        title=_("学习档案完整"),
    )


def required_items(values: dict[str, Any] | None = None) -> list[str]:
    """The configured item keys that are known, in the order of ITEMS (unknown keys are ignored)."""
    configured = (values or parameters.values(RULE)).get("items") or DEFAULT_ITEMS
    wanted = {str(k).strip().lower() for k in configured}
    return [key for key in ITEMS if key in wanted]


@dataclass(frozen=True)
class Gap:
    """One missing archive item: of the year (session None) or of one session."""

    item: str
    session: StudySession | None = None

    @property
    def label(self) -> str:
        return ITEMS[self.item]

    @property
    def day(self) -> dt.date | None:
        return dates.local_day(self.session.starts_at) if self.session is not None else None


@dataclass
class UnitArchive:
    """One unit's archive for one year: its plan, its judged sessions and what is missing."""

    unit: Organization
    year: int
    plan: StudyPlan | None = None
    sessions: list[StudySession] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.gaps


FILED = (StudyPlan.Status.SUBMITTED, StudyPlan.Status.ACKNOWLEDGED)


def year_sessions(unit_ids: Sequence[int], year: int) -> Any:
    """The year's center-group sessions of the units (not cancelled), with what the archive asks.

    Without their organization and group: the check and the overview name a session by its day
    and title; the export, which prints the documents, fetches those for its one unit."""
    start, end = clock.year_bounds(year)
    alive_attachment = Attachment.objects.filter(session=OuterRef("pk"))
    return (
        StudySession.objects.filter(
            organization_id__in=unit_ids, kind=SessionKind.CENTER_GROUP, starts_at__gte=start, starts_at__lt=end
        )
        .exclude(status=StudySession.Status.CANCELLED)
        .annotate(
            has_agenda=Exists(AgendaItem.objects.filter(session=OuterRef("pk"))),
            has_speeches=Exists(Speech.objects.filter(session=OuterRef("pk"))),
            has_attendance=Exists(Attendance.objects.filter(session=OuterRef("pk"))),
            has_minutes_file=Exists(alive_attachment.filter(kind=Attachment.Kind.MINUTES)),
            has_materials=Exists(alive_attachment.filter(kind=Attachment.Kind.MATERIALS)),
        )
        .order_by("organization_id", "starts_at", "pk")
    )


def session_has(session: StudySession, item: str) -> bool:
    """Whether `session` (annotated by `year_sessions`) keeps the archive item `item`."""
    if item == "agenda":
        return bool(session.has_agenda)  # type: ignore[attr-defined]
    if item == "arrangement":
        return session.arrangement_submitted_at is not None
    if item == "attendance":
        return session.attendance_closed_at is not None and bool(session.has_attendance)  # type: ignore[attr-defined]
    if item == "minutes":
        return bool(session.summary.strip()) or bool(session.has_minutes_file)  # type: ignore[attr-defined]
    if item == "speeches":
        return bool(session.has_speeches)  # type: ignore[attr-defined]
    if item == "report":
        return session.report_submitted_at is not None
    if item == "materials":
        return bool(session.has_materials)  # type: ignore[attr-defined]
    raise KeyError(item)


def plan_due(year: int) -> dt.date:
    from .services.plans import plan_due_on

    return plan_due_on(year)


def archive_gaps(
    units: Iterable[Organization],
    year: int,
    *,
    today: dt.date | None = None,
    values: dict[str, Any] | None = None,
    plans: Iterable[StudyPlan] | None = None,
) -> list[UnitArchive]:
    """R-S14: each unit's archive for `year` and what it misses, as of `today`.

    A session is judged once it has taken place (held, or its day has passed) and
    `grace_days` calendar days have gone by; the annual plan once its due date has passed.
    Four queries whatever the number of units and sessions (three when the caller has read the
    units' center-group plans of the year, `plans`, as the rule checks have).
    """
    today = today or clock.today()
    values = values or parameters.values(RULE)
    items = required_items(values)
    grace = dt.timedelta(days=int(values.get("grace_days", 14)))
    units = list(units)
    ids = [u.pk for u in units]
    if plans is None:
        plans = StudyPlan.objects.filter(organization_id__in=ids, year=year, kind=PlanKind.CENTER_GROUP)
    by_organization = {p.organization_id: p for p in plans}
    by_unit: dict[int, list[StudySession]] = defaultdict(list)
    for session in year_sessions(ids, year):
        by_unit[session.organization_id].append(session)
    result = []
    default_due = plan_due(year)  # for a unit without a plan row, as R-S1 judges it
    for unit in units:
        archive = UnitArchive(unit, year, by_organization.get(unit.pk), by_unit.get(unit.pk, []))
        if "annual_plan" in items:
            plan = archive.plan
            due = plan.due_on if plan is not None else default_due
            if today > due and (plan is None or plan.status not in FILED):
                archive.gaps.append(Gap("annual_plan"))
        for session in archive.sessions:
            day = dates.local_day(session.starts_at)
            taken_place = session.status == StudySession.Status.HELD or day < today
            if not taken_place or day + grace >= today:
                continue
            missing = [item for item in items if item in SESSION_ITEMS and not session_has(session, item)]
            archive.gaps += [Gap(item, session) for item in missing]
        result.append(archive)
    return result
