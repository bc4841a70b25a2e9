"""An iCalendar (RFC 5545) writer for published feeds, in the standard library only.

A feed carries a few kinds of event (timed sessions and visits, all-day deadlines); a hundred
lines cover what calendar apps read, so the project keeps no dependency for it. What makes
subscriptions update in calendar apps is spelled out here:

- every event has a stable UID (the same record gives the same UID on every fetch);
- DTSTAMP and LAST-MODIFIED are the record's last change, not the fetch time, so an app sees
  a change only when there is one; SEQUENCE grows when a record is rescheduled or moves on;
- timed events are written in UTC with a trailing Z (no VTIMEZONE needed); all-day events are
  plain dates (VALUE=DATE), which calendar apps show on that day wherever they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """One VEVENT. `start`/`end` are aware datetimes, or dates for an all-day event (end exclusive)."""

    uid: str
    summary: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date | None = None
    modified: dt.datetime | None = None
    location: str = ""
    description: str = ""
    url: str = ""
    cancelled: bool = False
    sequence: int = 0
    categories: tuple[str, ...] = ()

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, dt.datetime)


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold lines longer than 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    out: list[str] = []
    current = b""
    for ch in line:
        encoded = ch.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def utc(moment: dt.datetime) -> str:
    """An aware datetime as a UTC DATE-TIME value (`20261125T063000Z`)."""
    if moment.tzinfo is None:
        raise ValueError("iCalendar times must be timezone-aware")
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _when(name: str, value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        return f"{name}:{utc(value)}"
    return f"{name};VALUE=DATE:{value:%Y%m%d}"


def event_lines(event: Event, *, stamp: dt.datetime) -> list[str]:
    modified = event.modified or stamp
    end = event.end
    if end is None and event.all_day:
        end = event.start + dt.timedelta(days=1)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{utc(modified)}",
        f"LAST-MODIFIED:{utc(modified)}",
        _when("DTSTART", event.start),
    ]
    if end is not None:
        lines.append(_when("DTEND", end))
    lines.append(f"SUMMARY:{escape(event.summary)}")
    if event.location:
        lines.append(f"LOCATION:{escape(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape(event.description)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.categories:
        lines.append(f"CATEGORIES:{','.join(escape(c) for c in event.categories)}")
    if event.all_day:
        lines.append("TRANSP:TRANSPARENT")  # a deadline does not make the day busy
    lines += [
        f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
        f"SEQUENCE:{event.sequence}",
        "END:VEVENT",
    ]
    return lines


def write_calendar(
    events: Iterable[Event], *, name: str, stamp: dt.datetime, product: str = "-//Pangting//Calendar//ZH"
) -> str:
    """The whole VCALENDAR, CRLF line ends, folded. `stamp` stands in for events with no modified time."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{product}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
        "X-WR-TIMEZONE:Asia/Shanghai",
        # Ask subscribing apps to poll hourly (Outlook and Apple Calendar read these).
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for event in events:
        lines += event_lines(event, stamp=stamp)
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
