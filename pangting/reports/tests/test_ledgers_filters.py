"""Ledgers (台账): filters by unit and period, bad parameters, fixed query counts, long ledgers, the command."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from pangting.core import clock
from pangting.observation.tests.scenes import planned
from pangting.reports.ledgers import LEDGERS, LedgerQuery, Period, Scope, write_ledgers
from pangting.reports.tests.test_ledgers import build_scene, export, rows
from pangting.study.tests.builders import at, make_session
from pangting.tests.builders import make_group, make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world: Any) -> dict[str, Any]:
    return build_scene(world)


def dates(response: Any, column: int) -> list[str]:
    return [f"{r[column]:%m-%d}" for r in rows(response)[1]]


# -- filters ----------------------------------------------------------------------------


def test_it_narrows_to_a_unit_and_everything_below_it(world, scene, client_for):
    _, data = rows(export(client_for(world.supervisor), kind="sessions", unit=str(world.unit_a.pk)))
    assert {r[1] for r in data} == {"甲学院党委", "甲学院第一党支部"}


def test_it_filters_by_year(world, scene, client_for):
    _, data = rows(export(client_for(world.supervisor), kind="sessions", year="2025"))
    assert [r[7] for r in data] == ["上一年的学习会"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"semester": "1"}, ["03-10", "04-08"]),  # spring: February–August
        ({"semester": "2"}, ["09-30", "10-15"]),  # autumn: September–January
        ({"month_from": "3", "month_to": "4"}, ["03-10", "04-08"]),
        ({"month_from": "10"}, ["10-15"]),  # one month
        ({"month_to": "3"}, ["03-10"]),
    ],
)
def test_it_filters_sessions_by_semester_or_months(world, scene, client_for, params, expected):
    response = export(client_for(world.supervisor), kind="sessions", **params)
    assert sorted(dates(response, 4)) == expected


@pytest.mark.parametrize(
    ("params", "units"),
    [
        ({"semester": "1"}, ["乙学院党委"]),
        ({"semester": "2"}, ["甲学院党委"]),
        ({"month_from": "9", "month_to": "9"}, ["甲学院党委"]),  # by the session's date
        ({"month_from": "5", "month_to": "5"}, ["乙学院党委"]),  # no session yet: by the planned month
    ],
)
def test_it_filters_visits_by_their_semester_and_months(world, scene, client_for, params, units):
    _, data = rows(export(client_for(world.supervisor), kind="visits", **params))
    assert [r[4] for r in data] == units


def test_it_lists_a_cross_observation_under_the_visiting_unit_too(world, scene, client_for):
    _, data = rows(export(client_for(world.supervisor), kind="cross", unit=str(world.unit_b.pk)))
    assert [(r[3], r[4]) for r in data] == [("甲学院党委", "乙学院党委")]
    assert rows(export(client_for(world.supervisor), kind="cross", semester="2"))[1] == []


# -- bad parameters ---------------------------------------------------------------------

BAD = [
    ({"year": "abc"}, "年度应为四位数字"),
    ({"year": "1999"}, "年度应在2000年到2100年之间"),
    ({"year": ""}, "请填写年度"),
    ({"semester": "3"}, "学期应为春季学期或秋季学期"),
    ({"month_from": "13"}, "月份应为1到12"),
    ({"month_from": "7", "month_to": "3"}, "截止月份不能早于起始月份"),
    ({"semester": "1", "month_from": "3"}, "学期和月份范围只能选择一种"),
    ({"unit": "987654"}, "所选单位不存在，或不在您的查看范围内"),
    ({"unit": "x"}, "所选单位不存在，或不在您的查看范围内"),
    ({"kind": "salaries"}, "没有这种台账，或您无权查看这种台账"),
    ({"kind": ""}, "请选择要导出的台账"),
]


@pytest.mark.parametrize(("params", "message"), BAD)
def test_it_answers_bad_parameters_with_the_page_and_a_chinese_message(world, client_for, params, message):
    response = export(client_for(world.supervisor), **{"kind": "sessions", **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert message in page and 'class="errorlist' in page


def test_it_refuses_a_unit_outside_the_users_reach(world, client_for):
    response = export(client_for(world.secretary_b), kind="sessions", unit=str(world.unit_a.pk))
    assert "所选单位不存在，或不在您的查看范围内" in response.content.decode()


# -- the page ---------------------------------------------------------------------------


def test_it_offers_a_download_per_kind_for_the_chosen_filter(world, scene, client_for):
    client = client_for(world.secretary_a)
    page = client.get(reverse("reports:ledgers"), {"year": "2026", "semester": "1", "unit": world.unit_a.pk})
    html = page.content.decode()
    assert f"kind=sessions&amp;year=2026&amp;unit={world.unit_a.pk}&amp;semester=1" in html
    assert "kind=all&amp;year=2026" in html
    assert "2026年春季学期 · 甲学院党委" in html
    units = list(page.context["form"].fields["unit"].queryset)
    assert units == [world.unit_a]  # its branch is covered by the unit; B is out of reach


def test_it_defaults_to_the_current_year(world, client_for):

    html = client_for(world.viewer).get(reverse("reports:ledgers")).content.decode()
    assert f"kind=sessions&amp;year={clock.today().year}" in html
    assert f"{clock.today().year}年" in html


def _more_units(world: Any, start: int, count: int) -> None:
    for number in range(start, start + count):
        unit = make_org(f"新增学院{number}党委", world.root, code=f"NEW{number}")
        make_group(unit)
        make_session(unit, starts_at=at(2026, 5, 1 + number))


def test_it_shows_the_page_in_a_fixed_number_of_queries(world, client_for, django_assert_num_queries):
    client = client_for(world.supervisor)
    url = reverse("reports:ledgers")
    _more_units(world, 0, 2)
    client.get(url)  # warm the session (its renewal is written at most once a minute)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _more_units(world, 2, 6)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["form"].fields["unit"].queryset) == 3 + 8  # root, A, B and the new ones


# -- streaming: a fixed number of queries per chunk ------------------------------------


def _queries(kind: str, scope: Scope, chunk_size: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        write_ledgers([LEDGERS[kind]], scope, LedgerQuery(Period(2026)), io.BytesIO(), chunk_size=chunk_size)
    return len(captured.captured_queries)


def test_it_reads_sessions_in_one_query_whatever_their_number(world):
    scope = Scope(world.supervisor)
    scope.ledgers()  # the user's reach, once per request
    make_session(world.unit_a, starts_at=at(2026, 3, 1))
    one = _queries("sessions", scope, chunk_size=2)
    for day in range(2, 8):
        make_session(world.unit_a, starts_at=at(2026, 3, day))
    assert _queries("sessions", scope, chunk_size=2) == one == 1  # counts are subqueries, not per row


def test_it_runs_a_fixed_number_of_prefetch_queries_per_chunk_for_visit_teams_and_activities(world):
    scope = Scope(world.supervisor)
    scope.ledgers()
    for month in (3, 4):
        planned(world, semester=1, target_month=month)
    one_chunk = _queries("visits", scope, chunk_size=2)
    for month in (5, 6, 7):
        planned(world, semester=1, target_month=month)
    five_rows = _queries("visits", scope, chunk_size=2)  # 3 chunks
    planned(world, semester=1, target_month=8)
    six_rows = _queries("visits", scope, chunk_size=2)  # still 3 chunks
    assert LEDGERS["visits"].queries_per_chunk == 6  # the team and the five kinds of R-O6/R-O19 activity
    assert five_rows == six_rows == one_chunk + 2 * LEDGERS["visits"].queries_per_chunk


def test_it_continues_a_ledger_past_the_sheet_row_limit_on_a_new_sheet(world):
    for day in (1, 2, 3):
        make_session(world.unit_a, starts_at=at(2026, 3, day))
    buffer = io.BytesIO()
    write_ledgers([LEDGERS["sessions"]], Scope(world.supervisor), LedgerQuery(Period(2026)), buffer, max_rows=2)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    assert book.sheetnames == ["学习会台账", "学习会台账（2）"]
    second = list(book["学习会台账（2）"].iter_rows(values_only=True))
    assert second[0] == tuple(LEDGERS["sessions"].headers)
    assert [r[0] for r in second[1:]] == [3]  # numbering goes on


# -- the archiving command ---------------------------------------------------------------


def _read(path: Path) -> Any:
    return load_workbook(path)


def test_it_archives_a_ledger_from_the_command(world, scene, tmp_path):
    target = tmp_path / "学习会台账-2026.xlsx"
    out = io.StringIO()
    call_command("export_ledger", kind="sessions", year=2026, unit="UA", output=str(target), stdout=out)
    data = list(_read(target).worksheets[0].iter_rows(values_only=True))
    assert data[0] == tuple(LEDGERS["sessions"].headers)
    assert {r[1] for r in data[1:]} == {"甲学院党委", "甲学院第一党支部"}
    assert "2026年学习会台账" in out.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no partial file left


def test_it_scopes_the_command_to_a_user_when_asked(world, scene, tmp_path):
    target = tmp_path / "b.xlsx"
    call_command("export_ledger", kind="all", year=2026, user="secretary_b", output=str(target), stdout=io.StringIO())
    book = _read(target)
    assert book.sheetnames == [ledger.title for ledger in LEDGERS.values()]
    assert {r[1] for r in list(book["学习会台账"].iter_rows(values_only=True))[1:]} == {"乙学院党委"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"unit": "NOPE"}, "没有编码为“NOPE”的组织"),
        ({"months": "7-3"}, "截止月份不能早于起始月份"),
        ({"months": "abc"}, "月份范围的格式应为"),
        ({"months": "3", "semester": 1}, "学期和月份范围只能选择一种"),
        ({"year": 1999}, "年度应在2000年到2100年之间"),
        ({"user": "member"}, "无权查看这种台账"),
        ({"user": "ghost"}, "没有启用的用户"),
    ],
)
def test_it_refuses_bad_command_options_in_chinese(world, tmp_path, options, message):
    target = tmp_path / "x.xlsx"
    with pytest.raises(CommandError, match=message):
        call_command("export_ledger", **{"kind": "sessions", "year": 2026, "output": str(target), **options})
    assert not list(tmp_path.iterdir())
