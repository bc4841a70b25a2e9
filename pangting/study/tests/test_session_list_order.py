"""The session list reads this year's sessions first, a year-segment at a time (issues 15 and 16).

`CurrentYearFirst` must give exactly the rows and order of the ranking it replaces
(`current_year_first`) on every page, whatever the page size, and read a first page that stays
in this year with one COUNT and one query of rows.
"""

from __future__ import annotations

import pytest
import time_machine
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pangting.core.ordering import CurrentYearFirst, current_year_first
from pangting.study.models import StudySession
from pangting.study.tests.builders import at, make_session

pytestmark = pytest.mark.django_db
ORDER = ("-starts_at", "-pk")


@pytest.fixture
def three_years(world):
    """Sessions of last year, this year (2026, two at the same hour in two units) and next year."""
    with time_machine.travel(at(2025, 1, 5, 10, 0), tick=False):
        days = [
            (world.unit_a, at(2025, 3, 10)),
            (world.unit_b, at(2025, 12, 31, 23, 30)),  # the last half hour of 2025 in Beijing
            (world.unit_a, at(2026, 1, 1, 0, 0)),  # the first minute of 2026
            (world.unit_a, at(2026, 6, 18)),
            (world.unit_b, at(2026, 6, 18)),  # a tie: the same hour in another unit
            (world.unit_a, at(2026, 11, 25)),
            (world.unit_b, at(2027, 1, 14)),
            (world.unit_a, at(2027, 3, 2)),
        ]
        return [make_session(unit, starts_at=starts_at) for unit, starts_at in days]


def _pages(items, per_page):
    paginator = Paginator(items, per_page)
    return [[session.pk for session in paginator.page(number).object_list] for number in paginator.page_range]


@pytest.mark.parametrize("per_page", [1, 2, 3, 4, 5, 7, 8, 30])
def test_each_page_holds_the_rows_of_the_ranking_it_replaces(three_years, per_page):
    with time_machine.travel(at(2026, 12, 1, 10, 0), tick=False):
        ranked = current_year_first(StudySession.objects.all(), "starts_at__year", *ORDER)
        segmented = CurrentYearFirst(StudySession.objects.all(), "starts_at__year", *ORDER)
        assert segmented.count() == len(three_years)
        assert _pages(segmented, per_page) == _pages(ranked, per_page)
    this_year = [s.pk for s in sorted(three_years[2:6], key=lambda s: (s.starts_at, s.pk), reverse=True)]
    assert [pk for page in _pages(segmented, per_page) for pk in page][:4] == this_year


def test_a_later_clock_moves_the_first_segment(three_years):
    with time_machine.travel(at(2027, 2, 1, 10, 0), tick=False):
        rows = CurrentYearFirst(StudySession.objects.all(), "starts_at__year", *ORDER)[0:3]
    assert [s.starts_at.year for s in rows] == [2027, 2027, 2026]


def test_a_first_page_inside_this_year_reads_one_count_and_one_page_of_rows(three_years):
    with time_machine.travel(at(2026, 12, 1, 10, 0), tick=False):
        items = CurrentYearFirst(StudySession.objects.all(), "starts_at__year", *ORDER)
        with CaptureQueriesContext(connection) as queries:
            page = Paginator(items, 3).page(1)
            assert len(page.object_list) == 3
    assert len(queries) == 2  # the COUNT and the rows of this year's range; no segment counted


def test_the_session_list_shows_this_year_then_later_then_earlier(three_years, world, client_for):
    with time_machine.travel(at(2026, 12, 1, 10, 0), tick=False):
        rows = client_for(world.supervisor).get(reverse("study:session_list")).context["rows"]
    years = [session.starts_at.astimezone(at(2026, 1, 1).tzinfo).year for session, _facts in rows]
    assert years == [2026, 2026, 2026, 2026, 2027, 2027, 2025, 2025]
