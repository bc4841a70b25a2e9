"""Whether something was done on time: the one definition, for every deadline of every app.

A deadline is judged against its stored due date (a calendar correction never moves a
deadline already issued). Four outcomes:

- `ON_TIME`: done on or before the due date;
- `LATE`: done after it;
- `OVERDUE`: not done and the due date has passed;
- `PENDING`: not done, not yet due.

A record **without a due date** (the deadline could not be computed, e.g. the calendar
year was not entered yet) is *not judged*: `classify` answers None, and it counts neither as
on time nor as late. The bulletin, the dashboard, the ledgers, the study rules and the
compliance checks all use this, so "filed on time" is the same number everywhere.
"""

from __future__ import annotations

import datetime as dt

ON_TIME, LATE, OVERDUE, PENDING = "on_time", "late", "overdue", "pending"


def classify(done_on: dt.date | None, due: dt.date | None, today: dt.date) -> str | None:
    """on_time / late / overdue / pending, or None when there is no due date to judge by."""
    if due is None:
        return None
    if done_on is not None:
        return ON_TIME if done_on <= due else LATE
    return OVERDUE if today > due else PENDING


def is_on_time(done_on: dt.date | None, due: dt.date | None) -> bool:
    """Done, with a due date, on or before it (what a bulletin counts as 按时)."""
    return done_on is not None and due is not None and done_on <= due


def is_late(done_on: dt.date | None, due: dt.date | None, today: dt.date) -> bool:
    """Done after the due date, or not done and the due date has passed."""
    return classify(done_on, due, today) in (LATE, OVERDUE)
