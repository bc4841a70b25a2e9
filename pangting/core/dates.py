"""How a date, a moment or a rule's period is shown to people: the one home for it.

Users read 2026年12月18日, not 2026-12-18, and a moment in Beijing time, not in UTC: a
datetime stored as 2026-12-04T22:21:33+00:00 is 2026年12月5日 06:21 for them. Templates use
the filters of `{% load display %}` (`cn_date`, `cn_datetime`, `cn_period`), Python text
(findings' messages, reminders, chart labels) calls these functions. In English mode the same
values read "18 Dec 2026" and "18 Dec 2026 06:21".

ISO stays where machines read it: form input values, JSON APIs, calendar feeds, file names
and spreadsheet cells that are real dates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone, translation

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_QUARTERS_ZH = ("一", "二", "三", "四")
_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<half>H[12])|Q(?P<quarter>[1-4])|(?P<month>\d{2})))?$")


def _chinese() -> bool:
    """Chinese unless the active language is another one (no active language: the default, Chinese)."""
    language = translation.get_language() or "zh-hans"
    return language.lower().startswith("zh")


def local(moment: dt.datetime) -> dt.datetime:
    """`moment` in the deployment's time zone (Asia/Shanghai); a naive one is taken as already local."""
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


# Inside `zone_read_once()`: the current time zone, so that a batch making thousands of days (a run
# of the checks, issue 15) does not look it up for each. A context variable: each thread has its own.
_zone: ContextVar[dt.tzinfo | None] = ContextVar("pangting_zone", default=None)


@contextmanager
def zone_read_once() -> Iterator[None]:
    """Within: `local_day` uses the current time zone as it was on entry."""
    token = _zone.set(timezone.get_current_timezone())
    try:
        yield
    finally:
        _zone.reset(token)


def local_day(moment: dt.datetime) -> dt.date:
    """The day of an aware `moment` in the current time zone (`timezone.localdate`)."""
    zone = _zone.get()
    if zone is None or moment.tzinfo is None:
        return timezone.localdate(moment)
    return moment.astimezone(zone).date()


def _day(value: dt.date | dt.datetime) -> dt.date:
    return local(value).date() if isinstance(value, dt.datetime) else value


def format_date(value: dt.date | dt.datetime | str | None) -> str:
    """2026年12月18日 (English: 18 Dec 2026); a datetime by its day in Beijing; None → "".

    Text is parsed if it is ISO (a value read back from JSON) and otherwise shown as it is.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return humanize_iso(value)
    if not isinstance(value, dt.date):
        return str(value)
    day = _day(value)
    if _chinese():
        return chinese_date(day)
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def chinese_date(value: dt.date | dt.datetime) -> str:
    """2026年12月18日 whatever the active language: for Chinese text that is stored or filed
    (findings' messages, deadline bases, letters), not rendered per reader."""
    day = _day(value)
    return f"{day.year}年{day.month}月{day.day}日"


def format_datetime(value: dt.datetime | dt.date | str | None, *, seconds: bool = False) -> str:
    """2026年12月18日 06:21 in Beijing time (English: 18 Dec 2026 06:21); a plain date: its day only."""
    if value is None or value == "" or isinstance(value, str):
        return format_date(value)
    if not isinstance(value, dt.datetime):
        return format_date(value)
    moment = local(value)
    clock_text = f"{moment:%H:%M:%S}" if seconds else f"{moment:%H:%M}"
    return f"{format_date(moment)} {clock_text}"


def format_month(year: int, month: int) -> str:
    """2026年3月 (English: Mar 2026)."""
    return f"{year}年{month}月" if _chinese() else f"{_MONTHS_EN[month - 1]} {year}"


def format_period(period: str) -> str:
    """A rule's period as people say it: "2026" → 2026年, "2026-H2" → 2026年秋季学期,
    "2026-Q3" → 2026年第三季度, "2026-03" → 2026年3月; anything else unchanged.

    The periods are the keys of compliance findings (`compliance.registry.FindingData.period`).
    """
    match = _PERIOD.match(period or "")
    if not match:
        return period
    year = int(match["year"])
    chinese = _chinese()
    if match["half"]:  # the semesters of `core.semesters`: H1 spring, H2 autumn
        from pangting.core.semesters import AUTUMN, SPRING, semester_label

        return semester_label(year, SPRING if match["half"] == "H1" else AUTUMN)
    if match["quarter"]:
        quarter = int(match["quarter"])
        return f"{year}年第{_QUARTERS_ZH[quarter - 1]}季度" if chinese else f"Q{quarter} {year}"
    if match["month"]:
        month = int(match["month"])
        if 1 <= month <= 12:
            return format_month(year, month)
        return period
    return f"{year}年" if chinese else str(year)


_ISO_DAY = re.compile(
    r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
)


def humanize_iso(text: str) -> str:
    """`text` with every ISO date (and date-time) in it written as people read it.

    For text stored before dates were written for people (findings' messages of earlier
    runs): a date-time with an offset is converted to Beijing time first.
    """

    def replace(match: re.Match[str]) -> str:
        try:
            if match[4] is None:
                return format_date(dt.date(int(match[1]), int(match[2]), int(match[3])))
            parsed = dt.datetime.fromisoformat(match[0].replace("Z", "+00:00").replace(" ", "T"))
        except ValueError:
            return match[0]
        return format_datetime(parsed)

    return _ISO_DAY.sub(replace, text or "")
