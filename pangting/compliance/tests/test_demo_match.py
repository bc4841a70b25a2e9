"""`check_compliance --format json` for the demo's years lists exactly the planted imperfections, on any day.

The study and observation demos record each imperfection where they decide it
(`context["planted"]`: rule, unit code, period, key). The demo is seeded in-process, the way
`seed_demo` does it, and the findings for each year of the story must match the planted list
one by one, rule by rule, in both directions.

The story is told relative to the one clock (`core.demo.DemoDates`), so the match must hold
whatever today is. `make test` runs it at the real date and at one date of `DATES` chosen from
the commit hash; `PANGTING_DEMO_DATE=2026-03-01` replays one date, `PANGTING_DEMO_DATE=all`
(`make test-dates`) runs every date of the list.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from pangting.accounts.management.commands.seed_demo import build_demo
from pangting.compliance.registry import ordered_rules
from pangting.core import clock
from pangting.tests.moved_dates import moved_dates

# A whole demo is built here: on PostgreSQL, beside another worker building one, that alone can
# take longer than the suite's default limit on two cores.
pytestmark = [pytest.mark.django_db, pytest.mark.timeout(2400)]

# Test data for a year the installed calendar does not know, entered as an administrator
# would (the product never guesses a year). Holidays only: the official notice decides the rest.
ENTERED_HOLIDAYS = {
    2027: [
        ("2027-01-01", "元旦"),
        ("2027-02-06~2027-02-12", "春节"),
        ("2027-04-05", "清明节"),
        ("2027-05-01~2027-05-05", "劳动节"),
        ("2027-06-09", "端午节"),
        ("2027-09-15", "中秋节"),
        ("2027-10-01~2027-10-07", "国庆节"),
    ],
}


def enter_unknown_year(year: int) -> None:
    """Enter `year` as an administrator would, if the calendar table does not have it."""
    from pangting.accounts.models import User
    from pangting.workdays.models import CalendarYear
    from pangting.workdays.services import enter_year, parse_day_lines

    if CalendarYear.objects.filter(year=year).exists():
        return
    if year not in ENTERED_HOLIDAYS:
        pytest.fail(f"{year}年的工作日历尚未录入，本测试也没有该年的测试数据")
    admin, _ = User.objects.get_or_create(username="calendar-admin")
    lines = "\n".join(f"{span} {name}" for span, name in ENTERED_HOLIDAYS[year])
    holidays = parse_day_lines(lines, field="holidays")
    enter_year(year, holidays=holidays, makeup_workdays={}, notice="测试数据", actor=admin)


def build_and_compare() -> None:
    today = clock.today()
    enter_unknown_year(today.year)
    context = build_demo()
    years = context["dates"].years
    assert context["dates"].today == today
    found: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for year in years:
        out = StringIO()
        call_command("check_compliance", "--year", str(year), "--format", "json", stdout=out, stderr=StringIO())
        for row in json.loads(out.getvalue()):
            found[row["rule"]].add((row["unit"], row["period"], row["key"]))
    planted: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for rule, unit, period, key in context["planted"]:
        if int(period[:4]) in years:
            planted[rule].add((unit, period, key))
    problems = []
    for rule in (r.id for r in ordered_rules()):
        unexpected, missed = sorted(found[rule] - planted[rule]), sorted(planted[rule] - found[rule])
        if unexpected or missed:
            problems.append(f"{rule}: found but not planted {unexpected}; planted but not found {missed}")
    assert not problems, f"today {today}:\n" + "\n".join(problems)
    assert sum(len(v) for v in found.values()) > 100  # the demo shows a realistic number of findings


def morning_of(day: dt.date) -> dt.datetime:
    """10:00 in Beijing on `day`: a build and its checks that start there end on the same day."""
    return dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC) - dt.timedelta(hours=8)


def test_it_finds_exactly_what_the_demo_planted_today():
    # Today's date, held from the morning: a run that started near midnight once planted the
    # demo for one day and checked it on the next.
    day = clock.today()
    with time_machine.travel(morning_of(day)):
        assert clock.today() == day
        build_and_compare()


@pytest.mark.parametrize("day", moved_dates(), ids=lambda d: d.isoformat())
def test_it_finds_exactly_what_the_demo_planted_on_a_moved_day(day):
    with time_machine.travel(morning_of(day)):
        assert clock.today() == day
        build_and_compare()
