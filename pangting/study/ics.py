"""An iCalendar (RFC 5545) feed of sessions, written by hand: a few lines need no dependency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pangting.core import clock

from .models import StudySession


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold lines longer than 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    out, current = [], b""
    for ch in line:
        encoded = ch.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def sessions_ics(sessions: Iterable[StudySession], *, host: str, calendar_name: str = "学习会") -> str:
    now = _utc(clock.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Pangting//Study sessions//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(calendar_name)}",
    ]
    for s in sessions:
        description = [s.get_kind_display(), s.content]
        if s.host_id:
            description.append(f"主持人：{s.host.name}")
        lines += [
            "BEGIN:VEVENT",
            f"UID:study-session-{s.pk}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_utc(s.starts_at)}",
            f"DTEND:{_utc(s.ends_at)}",
            f"SUMMARY:{_escape(f'{s.organization.display_name}：{s.title}')}",
            f"LOCATION:{_escape(s.place)}",
            f"DESCRIPTION:{_escape(chr(10).join(d for d in description if d))}",
            f"STATUS:{'CANCELLED' if s.status == StudySession.Status.CANCELLED else 'CONFIRMED'}",
            f"SEQUENCE:{s.reschedules.count() if not hasattr(s, 'reschedule_total') else s.reschedule_total}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
