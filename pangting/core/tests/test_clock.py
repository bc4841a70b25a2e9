"""The one clock (issue 10, "any day"): today is Beijing's day, and nothing else reads the system time."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import time_machine

from pangting.core import clock
from pangting.core.demo import DemoDates

ROOT = Path(__file__).resolve().parents[2]  # the pangting package
READS_THE_TIME = re.compile(r"\btimezone\.(now|localdate)\(\)|\bdate\.today\(\)|\bdatetime\.now\(\)")


def test_it_gives_beijings_day_not_utcs():
    with time_machine.travel(dt.datetime(2026, 12, 4, 22, 21, 33, tzinfo=dt.UTC), tick=False):
        assert clock.today() == dt.date(2026, 12, 5)
        assert clock.now() == dt.datetime(2026, 12, 4, 22, 21, 33, tzinfo=dt.UTC)


def test_it_leaves_no_other_reading_of_the_system_time_in_the_code():
    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative or relative in ("core/clock.py", "core/tests/test_clock.py"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if READS_THE_TIME.search(line):
                offenders.append(f"{relative}:{number}")
    assert offenders == []


def test_it_tells_the_demo_story_of_the_last_spring_that_has_happened():
    assert (DemoDates(dt.date(2026, 12, 4)).year, DemoDates(dt.date(2026, 12, 4)).years) == (2026, (2025, 2026))
    assert DemoDates(dt.date(2027, 3, 1)).year == 2026  # spring 2027 has not happened yet
    assert DemoDates(dt.date(2027, 3, 1)).years == (2025, 2026, 2027)  # and this year's months so far
    assert DemoDates(dt.date(2027, 7, 1)).year == 2027
    assert DemoDates(dt.date(2027, 1, 2)).next_year == 2028
