"""Rectification that cannot escape (R-O10, R-O25): the one home of an item's default deadline
and of how far an overdue item has escalated.

Every item has a deadline: by default a number of working days after the feedback was issued,
or after the item was opened on a problem list (R-O25). An overdue item escalates by the working
days it is overdue, never just stops being reminded:

1. ``unit``: from the day after the deadline, its unit's secretaries and the item's owner;
2. ``leader``: after `escalate_leader_days`, also the leader linked to the unit (R-O3);
3. ``supervisor``: after `escalate_supervisor_days`, also the supervising office;
4. ``red``: after `red_after_days`, a red finding (R-O10) and a line in the next bulletin.

The reminders, the compliance check, the item page and the bulletin all ask `escalation()`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from pangting.core import clock, parameters
from pangting.core.parameters import Parameter
from pangting.workdays.services import DayUnit, UnknownCalendarYear, compute_deadline, get_calendar

RULE = "R-O10"
PROBLEM_LIST_RULE = "R-O25"

OPEN_STATUSES = ("open", "sent_back")  # Rectification.Status.OPEN, SENT_BACK: still to be done

# The escalation levels, in order; "" is "not overdue".
LEVELS = ("unit", "leader", "supervisor", "red")


def register_parameters() -> None:
    """Declare the deadline and escalation steps (from `ObservationConfig.ready`)."""
    parameters.register(
        RULE,
        Parameter(
            "deadline_working_days", 20, gettext_lazy("反馈问题整改期限（印发后工作日）"), unit=gettext_lazy("个工作日")
        ),
        Parameter(
            "max_working_days", 60, gettext_lazy("单位可定的最长整改期限（工作日）"), unit=gettext_lazy("个工作日")
        ),
        Parameter(
            "escalate_leader_days", 5, gettext_lazy("逾期后提醒联系领导（工作日）"), unit=gettext_lazy("个工作日")
        ),
        Parameter(
            "escalate_supervisor_days", 10, gettext_lazy("逾期后提醒宣传部（工作日）"), unit=gettext_lazy("个工作日")
        ),
        Parameter("red_after_days", 15, gettext_lazy("逾期后红色预警并通报（工作日）"), unit=gettext_lazy("个工作日")),
        title=gettext_lazy("问题整改跟踪到验收"),
    )
    parameters.register(
        PROBLEM_LIST_RULE,
        Parameter(
            "deadline_working_days", 30, gettext_lazy("问题清单整改期限（列入后工作日）"), unit=gettext_lazy("个工作日")
        ),
        title=gettext_lazy("自建问题清单"),
    )


def default_deadline(start: dt.date, *, problem_list: bool = False) -> tuple[dt.date, dict[str, Any]]:
    """The default deadline counted from `start` (feedback issued, or item opened) and its basis.

    When the count reaches a year whose holidays nobody has entered yet, the working days are
    not guessed: the deadline is counted in calendar days instead (5 working days in 7), and the
    basis says so, because an item must never be left without a deadline (R-O10).
    """
    amount = int(parameters.value(PROBLEM_LIST_RULE if problem_list else RULE, "deadline_working_days"))
    try:
        deadline = compute_deadline(start, amount, DayUnit.WORKING)
    except UnknownCalendarYear:
        deadline = compute_deadline(start, amount * 7 // 5, DayUnit.CALENDAR)
    with translation.override(settings.LANGUAGE_CODE):  # the stored text is Chinese whoever computed it
        text = deadline.describe()
    return deadline.due, {**deadline.as_basis(), "text": text}


def latest_deadline(start: dt.date) -> dt.date:
    """The furthest deadline a unit may set itself (R-O10 `max_working_days` after `start`)."""
    amount = int(parameters.value(RULE, "max_working_days"))
    try:
        return compute_deadline(start, amount, DayUnit.WORKING).due
    except UnknownCalendarYear:
        # The count reaches a year not entered yet: bound it by the calendar days that many
        # working days usually take (5 in 7), so the unit's limit never silently disappears.
        return start + dt.timedelta(days=amount * 7 // 5)


@dataclass(frozen=True)
class Escalation:
    """How far an overdue item has gone: its level and the working days it is overdue."""

    level: str  # "" (not overdue), then LEVELS in order
    overdue_days: int  # working days after the deadline (0 when not overdue)

    @property
    def reaches_leader(self) -> bool:
        return self.level in ("leader", "supervisor", "red")

    @property
    def reaches_supervisor(self) -> bool:
        return self.level in ("supervisor", "red")

    @property
    def red(self) -> bool:
        return self.level == "red"


NOT_OVERDUE = Escalation("", 0)


def overdue_working_days(deadline: dt.date, today: dt.date, calendar: Any = None) -> int:
    """Working days after `deadline` up to `today`; calendar days where the calendar is not entered.

    `calendar`: the `WorkCalendar` a caller judging many items read once (else `get_calendar()`,
    one query each time)."""
    if today <= deadline:
        return 0
    try:
        return (calendar or get_calendar()).working_days_between(deadline, today)
    except UnknownCalendarYear:
        return (today - deadline).days  # an unknown year must not stop the escalation (R-O10)


def level_for(days: int, params: dict[str, Any] | None = None) -> str:
    """The escalation level of an item overdue by `days` working days."""
    params = params or parameters.values(RULE)
    if days <= 0:
        return ""
    if days > int(params["red_after_days"]):
        return "red"
    if days > int(params["escalate_supervisor_days"]):
        return "supervisor"
    if days > int(params["escalate_leader_days"]):
        return "leader"
    return "unit"


def is_open(item: Any) -> bool:
    return item.status in OPEN_STATUSES and item.deleted_at is None


def escalation(
    item: Any, today: dt.date | None = None, params: dict[str, Any] | None = None, *, calendar: Any = None
) -> Escalation:
    """R-O10: how far `item` has escalated on `today` (NOT_OVERDUE when done or not yet due)."""
    today = today or clock.today()
    if not is_open(item) or item.deadline is None or item.deadline >= today:
        return NOT_OVERDUE
    days = overdue_working_days(item.deadline, today, calendar)
    return Escalation(level_for(days, params), days)
