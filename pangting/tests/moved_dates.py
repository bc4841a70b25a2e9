"""The moved dates the demo-match test runs on (`compliance/tests/test_demo_match.py`).

Django-free, so `make test` can print them before the suite starts: a failure on a moved date
is replayed with `PANGTING_DEMO_DATE=YYYY-MM-DD make test-sqlite`, and `make test-dates` runs them all.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

# Dates on which the story's edges fall differently: the first working days of a year, the
# ends of both semesters, a make-up-workday Sunday (调休上班), the day this list was written,
# New Year's Eve, and the same edges in a year the calendar library does not know yet.
DATES = [
    dt.date(2026, 1, 2),
    dt.date(2026, 1, 31),  # last day of the autumn semester
    dt.date(2026, 3, 1),
    dt.date(2026, 8, 31),  # last day of the spring semester
    dt.date(2026, 9, 20),  # a Sunday that is a make-up workday
    dt.date(2026, 12, 4),
    dt.date(2026, 12, 31),
    dt.date(2027, 1, 2),
    dt.date(2027, 3, 1),
    dt.date(2027, 8, 31),
]


def commit_hash() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def moved_dates() -> list[dt.date]:
    """The dates of this run besides the real one (see the module docstring)."""
    chosen = os.environ.get("PANGTING_DEMO_DATE", "").strip()
    if chosen == "all":
        return list(DATES)
    if chosen:
        return [dt.date.fromisoformat(chosen)]
    digest = commit_hash()
    return [DATES[int(digest[:8], 16) % len(DATES)]] if digest else [DATES[0]]


def describe_dates() -> str:
    """One line for the test report's header, so a failure can be replayed."""
    moved = ", ".join(d.isoformat() for d in moved_dates())
    return f"demo-match dates: the real date and {moved} (replay one with PANGTING_DEMO_DATE=YYYY-MM-DD)"


if __name__ == "__main__":
    print(describe_dates())
