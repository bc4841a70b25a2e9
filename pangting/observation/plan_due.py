"""R-O1: the year's observation plan is due at the start of the year (a configurable day).

The one home of the due date: the compliance check, the reminders and the plan page ask
`plan_due(year)`. The plan counts as made when it is approved, after the party committee's
decision (R-O20).
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils.translation import gettext_lazy

from pangting.core import parameters
from pangting.core.parameters import Parameter

RULE = "R-O1"


def register_parameters() -> None:
    """Declare the due day (from `ObservationConfig.ready`)."""
    parameters.register(
        RULE,
        Parameter("due_month", 1, gettext_lazy("年度旁听计划审定截止月份"), "month"),
        Parameter("due_day", 31, gettext_lazy("年度旁听计划审定截止日"), "day"),
        title=gettext_lazy("年度巡听旁听计划"),
    )


def plan_due(year: int) -> dt.date:
    """The day by which `year`'s plan must be approved (a day past the month's end is its last day)."""
    values = parameters.values(RULE)
    month = int(values["due_month"])
    day = min(int(values["due_day"]), calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)
