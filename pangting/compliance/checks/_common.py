"""What several checks share: period names, the year's sessions with their facts, labels.

Periods are named as `FindingData` documents: "2026" (year), "2026-H1"/"2026-H2" (the
academic semesters of `pangting.core.semesters`, by default spring Feb–Aug, autumn
Sep–Jan), "2026-Q3" (quarter), "2026-03" (month).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple, TypeVar

from django.db.models import F
from django.utils.translation import gettext_noop

from pangting.core import clock, dates
from pangting.orgs.paths import under_any

from ..messages import finding_message
from ..registry import CheckContext, Evidence

T = TypeVar("T")

SESSION = "study.studysession"
PLAN = "study.studyplan"
VISIT = "observation.visit"
RECORD = "observation.observationrecord"
FEEDBACK = "observation.feedback"
RECTIFICATION = "observation.rectification"
CROSS = "observation.crossobservation"
ORGANIZATION = "orgs.organization"
TEXT_PAIR = "analysis.textpair"


def cached(ctx: CheckContext, name: str, load: Callable[[], T]) -> T:
    """`load()` once per run (the checks of one run share `ctx.cache`)."""
    if name not in ctx.cache:
        ctx.cache[name] = load()
    return ctx.cache[name]


def local_day(moment: dt.datetime) -> dt.date:
    """`timezone.localdate`, with the zone a run reads once (`core.dates.zone_read_once`)."""
    return dates.local_day(moment)


def month_period(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def semester_period(year: int, semester: int) -> str:
    """Semester 1 (spring) → "2026-H1", 2 (autumn) → "2026-H2"."""
    return f"{year}-H{semester}"


def period_name(year: int, kind: str, index: int) -> str:
    """The name of the `index`-th (0-based) period of `kind` in `periods_of_year(year, kind)`."""
    if kind == "month":
        return f"{year}-{index + 1:02d}"
    if kind == "quarter":
        return f"{year}-Q{index + 1}"
    if kind == "semester":
        return semester_period(year, index + 1)
    return str(year)


def percent(value: Any) -> Fraction:
    """A percent parameter (90, "90", "87.5") as an exact fraction of one."""
    return Fraction(str(value)) / 100


def format_day(day: dt.date | None) -> str:
    """A day in a finding's message, which is stored in Chinese (`core.dates`)."""
    return dates.chinese_date(day) if day else "—"


def session_evidence(session: Any) -> Evidence:
    """The session as evidence, labelled "<day>学习会：<title>" (at most 80 characters stored).

    Made once per session instance: the checks of a run share the year's sessions
    (`center_group_sessions`), and a session is the evidence of several findings."""
    made = getattr(session, "_finding_evidence", None)
    if made is None or made.pk != session.pk:
        made = session._finding_evidence = _session_evidence(session)
    return made


def _session_evidence(session: Any) -> Evidence:
    day = local_day(session.starts_at)
    text = gettext_noop("{day}学习会：{title}")
    label = finding_message(text, day=day, title=session.title)
    if len(label) > 80:
        label = finding_message(text, day=day, title=session.title[: max(len(session.title) - (len(label) - 80), 0)])
    return Evidence(SESSION, session.pk, label)


class AgendaRow(NamedTuple):
    """An agenda item read as a tuple: what R-S4 judges of a session's first item."""

    session_id: int
    pk: int
    kind: str
    title: str
    source: str
    source_date: dt.date | None


@dataclass(frozen=True)
class SessionRow:
    """A center-group session of the year, its rows read as tuples, and its facts
    (`pangting.study.services.facts.facts_of`).

    `attendances` are `AttendanceRow`s, `speeches` `SpeechRow`s (in the agenda's order),
    `agenda` `AgendaRow`s in order, `postponements` how many reschedules moved it later."""

    session: Any
    facts: Any
    day: dt.date
    today: dt.date
    attendances: tuple[Any, ...] = ()
    agenda: tuple[AgendaRow, ...] = ()
    speeches: tuple[Any, ...] = ()
    postponements: int = 0

    @property
    def taken_place(self) -> bool:
        """Held, or its day has passed (a session not closed is still judged on its record)."""
        return self.session.status == "held" or self.day < self.today


def year_sessions(ctx: CheckContext) -> Any:
    """The year's center-group sessions of the units in scope (not cancelled), as a queryset: the
    checks select the rows of those sessions by it as a subquery, never by a list of their ids
    (one parameter per session; SQLite refuses more than 32,766, a province has 150,000)."""
    from pangting.study.models import SessionKind, StudySession

    start, end = clock.year_bounds(ctx.year)
    return StudySession.objects.filter(
        organization_id__in=ctx.unit_ids,
        kind=SessionKind.CENTER_GROUP,
        starts_at__gte=start,
        starts_at__lt=end,
    ).exclude(status=StudySession.Status.CANCELLED)


def scope_branches(ctx: CheckContext) -> Any:
    """The branches under the units in scope, as a queryset: the checks select the branches' rows
    by it as a subquery, never by a list of their ids (a province has about 30,000 branches)."""
    from pangting.orgs.models import Organization, OrganizationKind

    return Organization.objects.filter(under_any(ctx.units), kind=OrganizationKind.BRANCH)


def _by_session(rows: Any, fields: Sequence[str], make: Callable[[Iterable[Any]], T]) -> dict[int, list[T]]:
    """`rows` (a queryset) read as tuples of `fields`, the first a session id, grouped by it in order."""
    grouped: dict[int, list[T]] = defaultdict(list)
    for values in rows.values_list(*fields):
        grouped[values[0]].append(make(values))
    return grouped


def center_group_sessions(ctx: CheckContext) -> list[SessionRow]:
    """The year's center-group sessions of the units in scope (not cancelled), with their facts.

    One query for the sessions, four for their attendance, agenda, speeches and reschedules
    (read as tuples, selected by a subquery rather than a list of ids), one for the group
    leaders, one for the study parameters: the same whatever the data size.
    """

    def load() -> list[SessionRow]:
        from pangting.study.models import AgendaItem, Attendance, Reschedule, Speech
        from pangting.study.parameters import get_parameters
        from pangting.study.services.facts import AttendanceRow, SpeechRow, annotate_leaders, facts_of

        selected = year_sessions(ctx)
        # R-S5 reads the theme's title and its plan's year: two columns, not two instances per session.
        sessions = list(
            selected.annotate(theme_title=F("plan_theme__theme"), theme_year=F("plan_theme__plan__year")).order_by(
                "starts_at", "pk"
            )
        )
        if not sessions:
            return []
        ids = selected.values("pk")
        attendances = _by_session(
            Attendance.objects.filter(session_id__in=ids).order_by(), AttendanceRow._fields, AttendanceRow._make
        )
        in_order = ("session_id", "order", "pk")
        agenda = _by_session(
            AgendaItem.objects.filter(session_id__in=ids).order_by(*in_order), AgendaRow._fields, AgendaRow._make
        )
        speeches = _by_session(
            Speech.objects.filter(session_id__in=ids).order_by(*in_order), SpeechRow._fields, SpeechRow._make
        )
        reschedules: dict[int, int] = defaultdict(int)
        postponed: dict[int, int] = defaultdict(int)
        for session_id, moved_from, moved_to in (
            Reschedule.objects.filter(session_id__in=ids)
            .order_by()
            .values_list("session_id", "from_starts_at", "to_starts_at")
        ):
            reschedules[session_id] += 1
            postponed[session_id] += moved_to > moved_from  # `Reschedule.is_postponement`
        annotate_leaders(sessions)
        params = get_parameters()
        rows = []
        for s in sessions:
            facts = facts_of(
                s,
                attendances=attendances[s.pk],
                agenda_kinds=[item.kind for item in agenda[s.pk]],
                speeches=[(speech.written_text, bool(speech.file)) for speech in speeches[s.pk]],
                reschedules=reschedules[s.pk],
                params=params,
                today=ctx.today,
            )
            rows.append(
                SessionRow(
                    s,
                    facts,
                    local_day(s.starts_at),
                    ctx.today,
                    attendances=tuple(attendances[s.pk]),
                    agenda=tuple(agenda[s.pk]),
                    speeches=tuple(speeches[s.pk]),
                    postponements=postponed[s.pk],
                )
            )
        return rows

    return cached(ctx, "center_group_sessions", load)
