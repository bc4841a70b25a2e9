"""Lists show this year's work first: next year's imported visits do not push it to page 2 (issue 16)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pangting.core.ordering import current_year_first
from pangting.observation.models import Rectification, Visit

from .scenes import planned, session_on, travel, walk

pytestmark = pytest.mark.django_db


def test_it_lists_this_years_visits_before_next_years_imported_ones(world, client_for):
    with travel("2026-12-01"):
        this_year = planned(world, target_month=11)
        next_year = [
            planned(world, year=2027, semester=1, target_month=3),
            planned(world, year=2027, semester=2, target_month=9),
        ]
        last_year = planned(world, year=2025, semester=2, target_month=10)
        page = client_for(world.supervisor).get(reverse("observation:visit_list")).context["page_obj"]
        order = [visit.pk for visit in page.object_list]
    assert order[0] == this_year.pk, "this year's visit is first, not after next year's"
    assert order == [this_year.pk, next_year[0].pk, next_year[1].pk, last_year.pk]  # then later, then earlier


def test_it_filters_a_list_by_year(world, client_for):
    with travel("2026-12-01"):
        planned(world)
        planned(world, year=2027, semester=1, target_month=3)
        client = client_for(world.supervisor)
        listed = client.get(reverse("observation:visit_list"), {"year": "2027"}).context["page_obj"].object_list
    assert [v.year for v in listed] == [2027]


def test_it_orders_by_the_clocks_year_not_the_newest(world):
    with travel("2026-06-01"):
        planned(world, year=2027, semester=1, target_month=3)
        planned(world)
        assert [v.year for v in current_year_first(Visit.objects.all(), "year", "-year")] == [2026, 2027]
    with travel("2027-02-01"):
        assert [v.year for v in current_year_first(Visit.objects.all(), "year", "-year")] == [2027, 2026]


def test_it_lists_this_years_sessions_before_those_planned_for_next_year(world, client_for):
    with travel("2026-11-02"):
        this_year = session_on(world, "2026-11-20")
        next_year = session_on(world, "2027-01-15")
        rows = client_for(world.secretary_a).get(reverse("study:session_list")).context["rows"]
    assert [session.pk for session, _facts in rows] == [this_year.pk, next_year.pk]


def test_it_filters_rectification_by_year(world, client_for):
    visit = walk(world, "rectifying")
    assert Rectification.objects.filter(visit=visit).exists()
    client = client_for(world.supervisor)
    assert client.get(reverse("observation:rectification_list"), {"year": "2026"}).context["page_obj"].object_list
    assert not client.get(reverse("observation:rectification_list"), {"year": "2027"}).context["page_obj"].object_list
