"""The one clock: every "now" and "today" in Pangting is read here.

Deadlines, overdue marks, the demo's story and the compliance checks all ask this module, so
they agree on what today is. Tests move it with time-machine (which moves Django's
`timezone.now`, and so this clock); nothing else in the code reads the system time.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """The current moment, timezone-aware."""
    return timezone.now()


def today() -> dt.date:
    """Today's date in the deployment's time zone (Asia/Shanghai by default), not in UTC."""
    return timezone.localdate(timezone.now())


def local_day(moment: dt.datetime) -> dt.date:
    """The calendar day of `moment` in the deployment's time zone."""
    return timezone.localdate(moment)


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of `year` and of the next one, in the deployment's time zone."""
    return (
        timezone.make_aware(dt.datetime(year, 1, 1)),
        timezone.make_aware(dt.datetime(year + 1, 1, 1)),
    )
