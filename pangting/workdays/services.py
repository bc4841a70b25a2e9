"""Working-day deadlines computed from the project's calendar table.

Every deadline is returned with its basis (start, amount, unit, the calendar revision of
each year it crossed), so that callers store what it was computed from and a later
calendar correction does not silently move deadlines already issued.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from pangting.core import clock, dates
from pangting.core.system import require_actor
from pangting.lib.workdays import DayUnit, UnknownCalendarYear, WorkCalendar, add_days

from .models import CalendarDay, CalendarYear

# One calendar object per process, keyed by a cheap fingerprint of the table, so that every
# worker sees a newly entered year at once without a shared cache.
_cached: tuple[tuple[Any, ...], WorkCalendar] | None = None

__all__ = [
    "DayUnit",
    "Deadline",
    "EnteredYear",
    "UnknownCalendarYear",
    "compute_deadline",
    "enter_year",
    "get_calendar",
]


def get_calendar() -> WorkCalendar:
    """The calendar as a plain object, rebuilt only when the table has changed."""
    global _cached
    stamp = CalendarYear.objects.aggregate(n=Count("year"), at=Max("entered_at"), rev=Max("revision"))
    fingerprint = (stamp["n"], stamp["at"], stamp["rev"])
    if _cached is None or _cached[0] != fingerprint:
        days = list(CalendarDay.objects.values_list("date", "kind"))
        calendar = WorkCalendar.build(
            CalendarYear.objects.values_list("year", flat=True),
            (d for d, k in days if k == CalendarDay.Kind.HOLIDAY),
            (d for d, k in days if k == CalendarDay.Kind.MAKEUP_WORKDAY),
        )
        _cached = (fingerprint, calendar)
    return _cached[1]


@dataclass(frozen=True)
class Deadline:
    """A due date and what it was computed from."""

    start: dt.date
    amount: int
    unit: DayUnit
    due: dt.date
    revisions: dict[int, int]

    def describe(self) -> str:
        """The text shown beside every deadline, e.g. 自2026年9月28日起7个工作日，截止2026年10月13日."""
        return describe_deadline(self.start, self.amount, self.unit, self.due)

    def as_basis(self) -> dict[str, Any]:
        """JSON-ready basis to store beside the due date."""
        return {
            "start": self.start.isoformat(),
            "amount": self.amount,
            "unit": self.unit.value,
            "due": self.due.isoformat(),
            "calendar_revisions": {str(y): r for y, r in self.revisions.items()},
        }


def _day(day: dt.date) -> str:
    """A date in the active language's format: 2026年9月28日, Sept. 28, 2026."""
    return dates.format_date(day)


def describe_deadline(start: dt.date, amount: int, unit: DayUnit | str, due: dt.date) -> str:
    """What a deadline was computed from, in the active language (working and calendar days kept apart)."""
    if DayUnit(unit) is DayUnit.WORKING:
        text = _("自{start}起{amount}个工作日，截止{due}")
    else:
        text = _("自{start}起{amount}天（自然日），截止{due}")
    return text.format(start=_day(start), amount=amount, due=_day(due))


def describe_relative(amount: int, unit: DayUnit | str, *, before: bool) -> str:
    """A due date relative to a meeting: 会前2个工作日, 会后3天（自然日）内."""
    working = DayUnit(unit) is DayUnit.WORKING
    if before:
        text = _("会前{amount}个工作日") if working else _("会前{amount}天（自然日）")
    else:
        text = _("会后{amount}个工作日内") if working else _("会后{amount}天（自然日）内")
    return text.format(amount=amount)


def describe_basis(basis: dict[str, Any] | None) -> str:
    """The stored basis of a deadline, described in the active language.

    The basis keeps the start, amount, unit and due date beside the Chinese text written when the
    deadline was computed; the text is the fallback for a basis that lacks any of them.
    """
    if not basis:
        return ""
    try:
        if "direction" in basis:  # relative to a meeting (study sessions, R-S10)
            return describe_relative(int(basis["amount"]), basis["unit"], before=basis["direction"] == "before")
        return describe_deadline(
            dt.date.fromisoformat(basis["start"]),
            int(basis["amount"]),
            basis["unit"],
            dt.date.fromisoformat(basis["due"]),
        )
    except (KeyError, TypeError, ValueError):
        return str(basis.get("text", ""))


def compute_deadline(start: dt.date, amount: int, unit: DayUnit | str) -> Deadline:
    """The deadline `amount` working or calendar days after `start`.

    Raises `UnknownCalendarYear` when a working-day count reaches a year nobody has
    entered yet; calendar-day counts never need the calendar.
    """
    unit = DayUnit(unit)
    due = add_days(start, amount, unit, get_calendar())
    years = range(start.year, due.year + 1)
    revisions = dict(CalendarYear.objects.filter(year__in=years).values_list("year", "revision"))
    if unit is DayUnit.CALENDAR:
        revisions = {}
    return Deadline(start, amount, unit, due, revisions)


def try_compute_deadline(start: dt.date, amount: int, unit: DayUnit | str) -> Deadline | UnknownCalendarYear:
    """Like `compute_deadline`, but returns the refusal so that a page can show it."""
    try:
        return compute_deadline(start, amount, unit)
    except UnknownCalendarYear as refusal:
        return refusal


def missing_next_year(today: dt.date | None = None) -> int | None:
    """From October on, the next year if its calendar has not been entered (reminder)."""
    today = today or clock.today()
    if today.month < 10:
        return None
    next_year = today.year + 1
    return None if CalendarYear.objects.filter(year=next_year).exists() else next_year


@dataclass(frozen=True)
class EnteredYear:
    """A year just entered, and how many refused deadlines it let the system compute, by kind."""

    calendar_year: CalendarYear
    recomputed: dict[str, int]

    @property
    def recomputed_total(self) -> int:
        return sum(self.recomputed.values())


@transaction.atomic
def enter_year(
    year: int,
    *,
    holidays: dict[dt.date, str],
    makeup_workdays: dict[dt.date, str],
    notice: str = "",
    actor: Any,
) -> EnteredYear:
    """Enter or correct a year's holidays and make-up workdays (administrator duty, audited).

    In the same transaction, every deadline refused for want of a calendar year is recomputed
    (see `recompute.py`); the result carries the counts by kind.
    """
    errors: list[str] = []
    for day in (*holidays, *makeup_workdays):
        if day.year != year:
            errors.append(_("{day} 不属于{year}年。").format(day=day.isoformat(), year=year))
    for day in makeup_workdays:
        if day.weekday() < 5:
            errors.append(_("{day} 是周一至周五，本就是工作日，不能作为调休上班日。").format(day=day.isoformat()))
        if day in holidays:
            errors.append(_("{day} 不能既是节假日又是调休上班日。").format(day=day.isoformat()))
    if not holidays:
        errors.append(_("请至少录入一个法定节假日。"))
    if errors:
        raise ValidationError(errors)

    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    if calendar_year is None:
        calendar_year = CalendarYear(year=year)
    else:
        calendar_year.revision += 1
    calendar_year.source = CalendarYear.Source.ADMIN
    calendar_year.entered_by = actor
    calendar_year.notice = notice
    calendar_year._history_user = require_actor(actor)
    calendar_year.save()
    calendar_year.days.all().delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, year=calendar_year, kind=CalendarDay.Kind.HOLIDAY, name=n) for d, n in holidays.items()]
        + [
            CalendarDay(date=d, year=calendar_year, kind=CalendarDay.Kind.MAKEUP_WORKDAY, name=n)
            for d, n in makeup_workdays.items()
        ]
    )
    from pangting.core.audit import record_event

    from .recompute import recompute_refused_deadlines

    recomputed = recompute_refused_deadlines(year, actor=actor)
    record_event(
        actor,
        "calendar.enter_year",
        target=f"{year}",
        detail={"revision": calendar_year.revision, "recomputed": recomputed},
    )
    return EnteredYear(calendar_year, recomputed)


MAX_SPAN_DAYS = 31  # the longest official holiday run is 8–9 days


def parse_day_lines(text: str, *, field: str) -> dict[dt.date, str]:
    """Parse lines like `2027-01-01 元旦` or `2027-02-05~2027-02-11 春节` (ranges inclusive)."""
    result: dict[dt.date, str] = {}
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().replace("～", "~").replace("—", "~").replace("至", "~")  # i18n: not interface (input)
        if not line:
            continue
        span, _sep, name = line.partition(" ")
        first, _tilde, last = span.partition("~")
        try:
            start = dt.date.fromisoformat(first.strip())
            end = dt.date.fromisoformat(last.strip()) if last else start
        except ValueError:
            errors.append(
                _("{field}第{number}行“{text}”不是有效日期，应写作 2027-01-01 或 2027-02-05~2027-02-11。").format(
                    field=field, number=number, text=raw.strip()
                )
            )
            continue
        if end < start:
            errors.append(_("{field}第{number}行的结束日期早于开始日期。").format(field=field, number=number))
            continue
        if (end - start).days >= MAX_SPAN_DAYS:
            # A typo like 2027-01-01~9999-12-31 would otherwise expand to millions of days.
            errors.append(
                _("{field}第{number}行的日期范围超过{max_days}天，请检查是否写错。").format(
                    field=field, number=number, max_days=MAX_SPAN_DAYS
                )
            )
            continue
        day = start
        while day <= end:
            result[day] = name.strip()
            day += dt.timedelta(days=1)
    if errors:
        raise ValidationError(errors)
    return result
