"""Issue 16: each page, in English, shows no Chinese but the database's own values.

These tests share one personas' world per module (`scoped_world`); they live apart from
test_i18n.py, whose tests build their own `world` with the same organization codes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from pangting.tests.test_i18n import (
    CHINESE_BY_DESIGN,
    QUOTED_CHINESE,
    _database_strings,
    english,
    english_catalog,  # noqa: F401  (the fixture, used by pytestmark)
)

pytestmark = pytest.mark.usefixtures("english_catalog")

NAVIGATION_PERSONAS = ["supervisor", "leader", "liaison", "secretary_a", "member", "viewer", "sysadmin", "auditor"]


@pytest.mark.parametrize("persona", NAVIGATION_PERSONAS)
def test_every_navigation_page_is_english(scoped_world, persona):
    from pangting.core import registry
    from pangting.tests.i18n_checks import untranslated_fragments, visible_text

    client = english(scoped_world.client(persona))
    data = _database_strings() | QUOTED_CHINESE | {word for words in CHINESE_BY_DESIGN.values() for word in words}
    found: dict[str, list[str]] = {}
    fetched = 0
    for entry in registry.navigation():
        response = client.get(reverse(entry.url_name))
        if response.status_code != 200:
            continue  # not this persona's page (the permission matrix checks who sees what)
        fetched += 1
        fragments = untranslated_fragments(visible_text(response.content.decode()), data)
        if fragments:
            found[entry.url_name] = fragments

    assert fetched
    assert not found, "\n".join(f"{page}: {' | '.join(fragments)}" for page, fragments in found.items())


def test_it_titles_the_charts_in_english(scoped_world):
    world = scoped_world  # this module's shared world (a second `world` would repeat its codes)
    from pangting.reports import charts

    with translation.override("en"):
        chart = charts.timeliness_chart([world.unit_a], 2026, dt.date(2026, 6, 1))
        coverage = charts.coverage_chart([world.unit_a], 2026, start=2025)

    assert chart.title == "Deadlines met"
    assert chart.headers[:2] == ["Deadline", "Rule"]
    assert [series["name"] for series in chart.option["series"]] == [
        "On time",
        "Completed late",
        "Overdue",
        "Not yet due",
    ]
    assert coverage.title == "Two-year round coverage: 0/1 units observed"
    assert "R-O11: every unit is observed at least once" in coverage.explanation


def _page_cases() -> list[Any]:
    """Every web page of the permission matrix that answers 200 (on unit A's side, or without one)."""
    from pangting.tests.test_permission_matrix import WEB_CASES, app_cases

    return [
        case
        for case in [*WEB_CASES, *app_cases()]
        if not case.api and case.method == "get" and case.ok == 200 and case.target in ("", "A") and case.allowed
    ]


PAGE_CASES = _page_cases()


@pytest.mark.parametrize("case", PAGE_CASES, ids=[case.id for case in PAGE_CASES])
def test_every_page_with_its_records_is_english(scoped_world, case):
    """The matrix's pages, each with the records its case builds, as one persona allowed to see them."""
    from django.db import transaction

    from pangting.tests.i18n_checks import untranslated_fragments, visible_text

    persona = "supervisor" if "supervisor" in case.allowed else sorted(case.allowed)[0]
    with transaction.atomic():
        url = reverse(case.name, kwargs=case.kwargs(scoped_world))
        response = english(scoped_world.client(persona)).get(url)
        data = _database_strings() | QUOTED_CHINESE | {word for words in CHINESE_BY_DESIGN.values() for word in words}
        transaction.set_rollback(True)

    assert response.status_code == 200
    if not response.get("Content-Type", "").startswith("text/html"):
        return  # a file or a feed: its language is its own (see chinese_file)
    fragments = untranslated_fragments(visible_text(response.content.decode()), data)
    assert not fragments, f"{case.id} as {persona}: {' | '.join(fragments)}"
