"""The iCalendar writer: stable lines a calendar app reads (RFC 5545)."""

from __future__ import annotations

import datetime as dt

from pangting.lib.ical import Event, fold, write_calendar

STAMP = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_it_writes_timed_events_in_utc_and_deadlines_as_all_day_dates():
    body = write_calendar(
        [
            Event("s-1@x", "学习会, 第一议题; 研讨", dt.datetime(2026, 11, 25, 14, 30, tzinfo=SHANGHAI),
                  dt.datetime(2026, 11, 25, 16, 30, tzinfo=SHANGHAI), modified=STAMP, sequence=2),
            Event("d-1@x", "截止：回复", dt.date(2026, 12, 18)),
        ],
        name="我的日历",
        stamp=STAMP,
    )  # fmt: skip
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "DTSTART:20261125T063000Z\r\n" in body and "DTEND:20261125T083000Z\r\n" in body
    assert "SUMMARY:学习会\\, 第一议题\\; 研讨\r\n" in body
    assert "SEQUENCE:2\r\n" in body and "LAST-MODIFIED:20261201T080000Z\r\n" in body
    assert "DTSTART;VALUE=DATE:20261218\r\nDTEND;VALUE=DATE:20261219\r\n" in body
    assert body.count("BEGIN:VEVENT") == 2


def test_it_folds_long_lines_without_splitting_a_character():
    line = "SUMMARY:" + "学" * 40
    folded = fold(line)
    parts = folded.split("\r\n ")
    assert len(parts) > 1 and all(len(p.encode()) <= 75 for p in parts)
    assert "".join(parts) == line
