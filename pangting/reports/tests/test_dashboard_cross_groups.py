"""Issue 15, R-O13: past `groups.LIMIT` units the cross-observation matrices follow the page's plan —
groups × groups (sums equal to a plain recount, partners outside every group in one bucket), or the
units with the fewest sittings when the set cannot be grouped — and never grow with the units."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pangting.observation.models import CrossObservation
from pangting.reports import groups
from pangting.reports.tests.test_dashboard_groups import add_unit, charts_of, cities, dashboard, plain
from pangting.tests.builders import make_org

__all__ = ["cities"]  # the fixture, shared with the per-unit charts' tests

pytestmark = pytest.mark.django_db

HELD, CANCELLED, INVITED = (
    CrossObservation.Status.ATTENDED,
    CrossObservation.Status.CANCELLED,
    CrossObservation.Status.INVITED,
)
OTHER = "其他单位"


def sat(host: Any, visitor: Any, semester: int, times: int = 1, *, status: str = HELD, year: int = 2026) -> None:
    for _n in range(times):
        CrossObservation.objects.create(year=year, semester=semester, host=host, visitor=visitor, status=status)


def grid(chart: dict[str, Any]) -> dict[tuple[str, str], int]:
    """The grouped table as {(host's line, visitor's line): sittings}."""
    headers = chart["headers"][1:]
    return {
        (plain(row[0]), visitor): count
        for row in chart["rows"]
        for visitor, count in zip(headers, row[1:], strict=True)
    }


def with_headers(response: Any) -> dict[str, dict[str, Any]]:
    shown = charts_of(response)
    for chart in response.context["charts"]:
        shown[chart.id]["headers"] = [str(h) for h in chart.headers]
    return shown


def test_each_group_cell_is_a_plain_recount_of_the_sittings_r_o13(world, cities, client_for, monkeypatch):
    monkeypatch.setattr(groups, "LIMIT", 4)  # 8 units: A, B and two cities of three -> four groups
    (city1, (u1, u2, u3)), (city2, (v1, v2, _v3)) = cities
    elsewhere = add_unit(make_org("外单位党委"), "外单位学院党委")  # another tree: outside every group
    sat(u1, u2, 2, 2)
    sat(u1, v1, 2)
    sat(v1, world.unit_a, 2, status=CrossObservation.Status.REPORTED)
    sat(world.unit_a, elsewhere, 2)
    sat(elsewhere, v2, 2)
    sat(city1, v1, 2)  # the city committee itself: not a unit of the set, but inside its group
    sat(world.unit_b, u3, 1)
    sat(u2, v2, 2, status=CANCELLED)  # did not take place
    sat(u3, v1, 2, status=INVITED)  # not yet
    sat(u1, v1, 1, year=2025)  # another year
    sat(elsewhere, make_org("外单位机关党委", elsewhere.parent), 2)  # neither side in the set

    charts = with_headers(dashboard(client_for(world.supervisor)))
    names = {world.unit_a.pk: world.unit_a.display_name, world.unit_b.pk: world.unit_b.display_name}

    def line_of(org: Any) -> str:
        for city in (city1, city2):
            if org.path.startswith(city.path):
                return city.display_name
        return names.get(org.pk, OTHER)

    set_ids = {world.unit_a.pk, world.unit_b.pk, *(u.pk for _c, units in cities for u in units)}
    for semester in (1, 2):
        recount: dict[tuple[str, str], int] = {}
        for row in CrossObservation.objects.filter(year=2026, semester=semester, status__in=["attended", "reported"]):
            if row.host_id in set_ids or row.visitor_id in set_ids:
                key = (line_of(row.host), line_of(row.visitor))
                recount[key] = recount.get(key, 0) + 1
        chart = charts[f"cross_{semester}"]
        assert {pair: n for pair, n in grid(chart).items() if n} == recount, semester
        heatmap = {tuple(item["value"][:2]): item["value"][2] for item in chart["option"]["series"][0]["data"]}
        assert sum(heatmap.values()) == sum(recount.values())
        assert "按4个下级组织汇总" in chart["note"] and OTHER in chart["note"]
    autumn = grid(charts["cross_2"])
    assert autumn[(city1.display_name, city1.display_name)] == 2
    assert autumn[(city1.display_name, city2.display_name)] == 2  # u1 -> v1 and the city committee -> v1
    assert autumn[(world.unit_a.display_name, OTHER)] == autumn[(OTHER, city2.display_name)] == 1
    # Rows and columns: the four groups in the plan's order, then the outside bucket.
    assert charts["cross_2"]["headers"][1:] == [
        world.unit_a.display_name,
        world.unit_b.display_name,
        city1.display_name,
        city2.display_name,
        OTHER,
    ]
    assert charts["cross_2"]["option"]["yAxis"]["data"] == charts["cross_2"]["headers"][1:]
    # No partner outside in the spring: no bucket; each city's row links to the narrowed dashboard.
    assert charts["cross_1"]["headers"][-1] == city2.display_name
    assert f"under={city1.pk}" in str(charts["cross_1"]["rows"][2][0])


def test_a_set_that_cannot_be_grouped_shows_the_units_furthest_from_r_o13(world, cities, client_for, monkeypatch):
    monkeypatch.setattr(groups, "LIMIT", 2)  # the city's three direct units cannot be split
    (city1, (u1, u2, u3)), (_city2, (v1, _v2, _v3)) = cities
    sat(u1, u2, 2, 2)
    sat(u2, u1, 2)
    sat(u1, v1, 2)  # a partner in the other city counts for u1
    sat(u3, v1, 2, 5)  # the most sittings, but it never sat in anywhere
    charts = with_headers(dashboard(client_for(world.supervisor), under=str(city1.pk)))
    autumn = charts["cross_2"]
    # u3 misses one of the two requirements; then the fewest sittings: u2 (1 + 2) before u1 (3 + 1).
    assert autumn["rows"] == [[u3.display_name, 5, 0], [u2.display_name, 1, 2]]
    assert autumn["option"]["series"][0]["data"] == [5, 1] and autumn["option"]["series"][1]["data"] == [0, 2]
    assert "共3个单位，显示该项最低的2个" in autumn["note"]
    assert autumn["headers"] == ["单位", "邀请他单位列席次数", "列席他单位次数"]
    # No sitting in the spring: every unit misses both; the units' order.
    assert charts["cross_1"]["rows"] == [[u1.display_name, 0, 0], [u2.display_name, 0, 0]]


@pytest.mark.parametrize(("limit", "under_city"), [(4, False), (2, True)], ids=["groups", "laggards"])
def test_the_cross_charts_and_queries_do_not_grow_with_the_units(
    world, cities, client_for, monkeypatch, limit, under_city
):
    monkeypatch.setattr(groups, "LIMIT", limit)
    client = client_for(world.supervisor)
    query = {"under": str(cities[0][0].pk)} if under_city else {}
    (_c1, (u1, _u2, _u3)), (_c2, (v1, _v2, _v3)) = cities
    sat(u1, v1, 2)
    dashboard(client, **query)  # warm the session and caches

    def measure() -> tuple[int, list[int], int]:
        with CaptureQueriesContext(connection) as captured:
            response = dashboard(client, **query)
        charts = with_headers(response)
        cross = [charts[f"cross_{s}"] for s in (1, 2)]
        size = sum(len(json.dumps(c["option"])) + len(str(c["rows"])) + len(str(c["headers"])) for c in cross)
        return len(captured), [len(c["rows"]) for c in cross], size

    queries, lines, size = measure()
    for n in range(4):  # four more units in each city, each hosting and sitting in
        for city, units in cities:
            unit = add_unit(city, f"{city.name}新增{n}单位党委")
            sat(unit, units[n % 3], 2)
            sat(u1 if city != cities[0][0] else v1, unit, 1)
    more_queries, more_lines, more_size = measure()
    assert (more_queries, more_lines) == (queries, lines) == (queries, [limit, limit])
    # Only counts' digits may change, not one axis name, cell or row per unit; at most the outside bucket.
    assert abs(more_size - size) < 200
