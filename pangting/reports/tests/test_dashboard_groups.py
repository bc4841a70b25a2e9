"""Issue 15: past `groups.LIMIT` units the dashboard's per-unit charts show one line per group (sums
of the units' counts, equal to a plain recount), or the laggards when the set cannot be split;
`?under=` narrows the page to a group within the user's reach; the page's queries and its
per-unit charts do not grow with the units."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pangting.observation import services as obs
from pangting.observation.models import OBSERVED_STATES, TeamMember, Visit
from pangting.orgs.models import StudyGroupMember
from pangting.reports import groups
from pangting.reports.tests.test_dashboards import held_session
from pangting.study.models import Attendance
from pangting.tests.builders import make_group, make_org, make_person

pytestmark = pytest.mark.django_db

PER_UNIT = ["coverage", "participation", "first_item", "secretary_led", "postponements", "scores_unit", "frequency"]


def add_unit(parent: Any, name: str, members: int = 2) -> Any:
    unit = make_org(name, parent)
    people = [make_person(f"{name}成员{n}", unit) for n in range(members)]
    make_group(unit, *[(person, StudyGroupMember.Role.MEMBER) for person in people])
    return unit


def visit(world: Any, unit: Any, semester: int, year: int = 2026) -> None:
    with time_machine.travel(dt.datetime(year, 3 if semester == 1 else 10, 1, tzinfo=dt.UTC), tick=False):
        team = [(world.leader_person, TeamMember.Role.LEADER)]  # a school leader, outside every unit (R-O3)
        made = obs.create_visit(
            actor=world.supervisor, unit=unit, year=year, semester=semester, mode="random", team=team
        )
        # Set-up shortcut past the workflow (a save cannot write a state; only steps move it).
        Visit.objects.filter(pk=made.pk).update(state="closed")


@pytest.fixture
def cities(world: Any) -> list[tuple[Any, list[Any]]]:
    """Two cities of three units each under the root, beside units A and B; sessions and visits."""
    made = []
    for c in (1, 2):
        city = make_org(f"第{c}市委", world.root)
        made.append((city, [add_unit(city, f"第{c}市第{n}单位党委") for n in range(3)]))
    (_c1, (u1, u2, u3)), (_c2, (v1, v2, _v3)) = made
    held_session(world, u1, 3, present=2)
    held_session(world, u2, 4, present=1, absent=1)
    held_session(world, u3, 5, present=0, absent=2)
    held_session(world, v1, 6, present=2)
    held_session(world, v2, 7, present=1, absent=1)
    held_session(world, v2, 8, present=2)
    held_session(world, world.unit_b, 9, present=1)
    for unit, semester in [(u1, 1), (u1, 2), (u2, 2), (v1, 1), (v1, 1), (world.unit_a, 2)]:
        visit(world, unit, semester)
    visit(world, v2, 1, year=2025)  # the round's first year (R-O11)
    return made


def table(chart: dict[str, Any]) -> dict[str, list[Any]]:
    return {row[0]: row[1:] for row in chart["rows"]}


def dashboard(client: Any, **query: Any) -> Any:
    with time_machine.travel(dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("reports:dashboard"), {"year": "2026", **query})
    assert response.status_code == 200
    return response


def charts_of(response: Any) -> dict[str, dict[str, Any]]:
    return {c.id: {"rows": c.rows, "note": c.note, "option": c.option} for c in response.context["charts"]}


def plain(label: Any) -> str:
    """A table's first cell without its link."""
    text = str(label)
    return text.split(">", 1)[1].rsplit("<", 1)[0] if text.startswith("<a ") else text


def test_each_group_sums_its_units_counts_as_a_plain_recount_r_s3_r_o11_r_o17(world, cities, client_for, monkeypatch):
    monkeypatch.setattr(groups, "LIMIT", 4)  # 8 units: A, B and two cities of three
    charts = charts_of(dashboard(client_for(world.supervisor)))
    lines = {
        world.unit_a.display_name: [world.unit_a],
        world.unit_b.display_name: [world.unit_b],
        **{city.display_name: units for city, units in cities},
    }
    for chart_id in PER_UNIT:
        assert sorted(plain(row[0]) for row in charts[chart_id]["rows"]) == sorted(lines), chart_id
        assert "共8个单位，按4个下级组织汇总" in charts[chart_id]["note"]
    participation = {plain(k): v for k, v in table(charts["participation"]).items()}
    coverage = {plain(k): v for k, v in table(charts["coverage"]).items()}
    frequency = {plain(k): v for k, v in table(charts["frequency"]).items()}
    for name, units in lines.items():
        # R-S3: the group's present ÷ its expected, recounted from the attendance rows.
        counted = Attendance.objects.filter(
            session__organization__in=units, session__status="held", session__kind="center_group"
        ).exclude(role=Attendance.Role.OBSERVER)
        expected = counted.count()
        present = counted.filter(status=Attendance.Status.PRESENT).count()
        sessions = counted.values("session").distinct().count()
        rate = "—" if not expected else f"{round(present * 100 / expected, 1):g}%"
        assert participation[name][:4] == [sessions, expected, present, rate], name
        # R-O11: observed visits of each year of the round; covered units out of the group's.
        observed = Visit.objects.filter(unit__in=units, state__in=OBSERVED_STATES)
        first, second = observed.filter(year=2025).count(), observed.filter(year=2026).count()
        covered = observed.values("unit").distinct().count()
        assert coverage[name] == [first, second, f"{covered}/{len(units)}个单位"], name
        # R-O17: visits per semester; each unit's own shortfall against the minimum of one (R-O12).
        this_year = observed.filter(year=2026)
        by_semester = [this_year.filter(semester=s).count() for s in (1, 2)]
        below = sum(1 for u in units for s in (1, 2) if not this_year.filter(unit=u, semester=s).exists())
        beyond = sum(max(0, this_year.filter(unit=u, semester=s).count() - 1) for u in units for s in (1, 2))
        assert frequency[name][:2] == by_semester and frequency[name][-2:] == [beyond, below], name
    city1 = cities[0][0].display_name
    assert participation[city1][3] == "50%"  # 3 of 6, not the mean of 100 %, 50 % and 0 %


def test_a_group_links_to_the_dashboard_narrowed_to_it(world, cities, client_for, monkeypatch):
    monkeypatch.setattr(groups, "LIMIT", 4)
    client = client_for(world.supervisor)
    city, units = cities[0]
    link = next(row[0] for row in charts_of(dashboard(client))["participation"]["rows"] if city.name in str(row[0]))
    assert f"under={city.pk}" in str(link)
    narrowed = dashboard(client, under=str(city.pk))
    assert [row["unit"] for row in narrowed.context["unit_rows"]] == units
    assert narrowed.context["under"] == city and narrowed.context["under_error"] == ""
    page = narrowed.content.decode()
    assert 'data-testid="breadcrumb"' in page and "全部单位" in page and world.root.display_name in page
    # Three units, within the limit: one line per unit again.
    assert [row[0] for row in charts_of(narrowed)["participation"]["rows"]] == [u.display_name for u in units]


@pytest.mark.parametrize("raw", ["abc", "-1", "99999999", "1" * 40, "1.5"])
def test_a_bad_or_unknown_under_shows_every_unit_with_a_message(world, cities, client_for, raw):
    response = dashboard(client_for(world.supervisor), under=raw)
    assert response.context["under"] is None
    assert "不存在或不在您的统计范围内" in response.context["under_error"]
    assert len(response.context["unit_rows"]) == 8


def test_an_organization_outside_the_users_reach_is_refused(world, cities, client_for):
    elsewhere = make_org("外单位党委")  # another tree: the supervisor does not reach it
    add_unit(elsewhere, "外单位学院党委")
    response = dashboard(client_for(world.supervisor), under=str(elsewhere.pk))
    assert response.context["under"] is None and response.context["under_error"]
    assert "外单位学院党委" not in response.content.decode()


def test_a_set_that_cannot_be_split_shows_the_laggards_of_each_chart(world, cities, client_for, monkeypatch):
    monkeypatch.setattr(groups, "LIMIT", 2)  # the city has three direct units: no groups to split into
    city, (_u1, u2, u3) = cities[0]
    charts = charts_of(dashboard(client_for(world.supervisor), under=str(city.pk)))
    # R-S3: the lowest participation first (0 of 2, then 1 of 2); 2 of 2 is left out.
    assert [row[0] for row in charts["participation"]["rows"]] == [u3.display_name, u2.display_name]
    assert charts["participation"]["option"]["series"][0]["data"] == [0.0, 50.0]
    assert "共3个单位，显示该项最低的2个" in charts["participation"]["note"]
    # R-O11: the uncovered unit first, then the least observed covered one.
    assert [row[0] for row in charts["coverage"]["rows"]] == [u3.display_name, u2.display_name]
    # R-O17: the most semesters below the minimum first.
    assert [row[0] for row in charts["frequency"]["rows"]] == [u3.display_name, u2.display_name]


def test_the_grouped_page_reads_the_same_queries_and_per_unit_charts_whatever_the_units(
    world, cities, client_for, monkeypatch
):
    monkeypatch.setattr(groups, "LIMIT", 4)
    client = client_for(world.supervisor)
    dashboard(client)  # warm the session and caches

    def measure() -> tuple[int, list[int], int]:
        with CaptureQueriesContext(connection) as captured:
            response = dashboard(client)
        charts = charts_of(response)
        lines = [len(charts[c]["rows"]) for c in PER_UNIT]
        size = sum(len(json.dumps(charts[c]["option"])) + len(str(charts[c]["rows"])) for c in PER_UNIT)
        return len(captured), lines, size

    queries, lines, size = measure()
    for n in range(3):  # three more units in each city: more units, the same groups
        for city, _units in cities:
            add_unit(city, f"{city.name}新增{n}单位党委")
    more_queries, more_lines, more_size = measure()
    assert (more_queries, more_lines) == (queries, lines) == (queries, [4] * len(PER_UNIT))
    assert abs(more_size - size) < 20  # only the sums' digits may grow, not one bar or row per unit
