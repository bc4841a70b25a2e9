"""What several checks share: period names, the year's sessions with their facts, labels.

Periods are named as `FindingData` documents: "2026" (year), "2026-H1"/"2026-H2" (the
academic semesters of `pangting.core.semesters`, by default spring Feb–Aug, autumn
Sep–Jan), "2026-Q3" (quarter), "2026-03" (month).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

from django.utils import timezone
from django.utils.translation import gettext_noop

from pangting.core import dates

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
    return timezone.localdate(moment)


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
    """The session as evidence, labelled "<day>学习会：<title>" (at most 80 characters stored)."""
    day = local_day(session.starts_at)
    text = gettext_noop("{day}学习会：{title}")
    label = finding_message(text, day=day, title=session.title)
    if len(label) > 80:
        label = finding_message(text, day=day, title=session.title[: max(len(session.title) - (len(label) - 80), 0)])
    return Evidence(SESSION, session.pk, label)


@dataclass(frozen=True)
class SessionRow:
    """A center-group session of the year and its facts (`pangting.study.services.session_facts`)."""

    session: Any
    facts: Any
    day: dt.date
    today: dt.date

    @property
    def taken_place(self) -> bool:
        """Held, or its day has passed (a session not closed is still judged on its record)."""
        return self.session.status == "held" or self.day < self.today


def center_group_sessions(ctx: CheckContext) -> list[SessionRow]:
    """The year's center-group sessions of the units in scope (not cancelled), with their facts.

    One query for the sessions, four for their attendance, agenda, speeches and reschedules,
    one for the group leaders, one for the study parameters: the same whatever the data size.
    """

    def load() -> list[SessionRow]:
        from pangting.study.models import SessionKind, StudySession
        from pangting.study.parameters import get_parameters
        from pangting.study.services.facts import annotate_leaders, session_facts

        start = timezone.make_aware(dt.datetime(ctx.year, 1, 1))
        end = timezone.make_aware(dt.datetime(ctx.year + 1, 1, 1))
        sessions = list(
            StudySession.objects.filter(
                organization_id__in=ctx.unit_ids,
                kind=SessionKind.CENTER_GROUP,
                starts_at__gte=start,
                starts_at__lt=end,
            )
            .exclude(status=StudySession.Status.CANCELLED)
            .select_related("plan_theme__plan")  # R-S5: the theme's plan year
            .prefetch_related("attendances", "agenda_items", "speeches", "reschedules")
            .order_by("starts_at", "pk")
        )
        annotate_leaders(sessions)
        params = get_parameters()
        return [
            SessionRow(s, session_facts(s, params=params, today=ctx.today), local_day(s.starts_at), ctx.today)
            for s in sessions
        ]

    return cached(ctx, "center_group_sessions", load)
