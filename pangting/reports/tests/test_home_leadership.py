"""The leadership's home page (issue 16): this year's coverage, units in red, overdue rectification,
coming visits and the participation trend, over the units the policy lets the user read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pangting.assessment.tests.builders import make_findings
from pangting.observation.models import Rectification
from pangting.observation.tests.scenes import at, session_on, travel, walk
from pangting.reports import metrics
from pangting.reports.tests.test_documents_figures import hold
from pangting.study.models import Attendance
from pangting.study.tests.builders import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    visit = walk(world, "rectifying")
    Rectification.objects.filter(visit=visit).update(deadline=dt.date(2026, 12, 1))
    with travel("2026-09-20"):
        december = session_on(world, "2026-12-28", title="学习贯彻全会精神专题研讨")
    world.coming = walk(world, "scheduled", session=december)
    make_findings(world.unit_b, 2026, ("R-O11", "red", True), ("R-S2", "red", True), ("R-S3", "amber", True))
    return world


def test_it_shows_leadership_the_figures_they_ask_for(scene, client_for):
    with travel("2026-12-15"):
        page = client_for(scene.viewer).get(reverse("home")).content.decode()
    assert 'data-testid="leadership-overview"' in page and "2026年工作概况" in page
    assert "1 / 2 个单位" in page  # unit A observed this round, unit B not (R-O11)
    red = page.split('data-testid="overview-red"')[1].split("</dd>")[0]
    assert "乙学院党委" in red and "2项" in red and "甲学院党委" not in red  # amber does not count
    overdue = page.split('data-testid="overview-overdue"')[1].split("</dd>")[0]
    assert '<span class="badge bad">' in overdue
    assert "学习贯彻全会精神专题研讨" in page.split('data-testid="overview-coming"')[1]
    assert 'data-chart-id="participation_trend"' in page and "vendor/echarts.min.js" in page


def test_it_leaves_visits_beyond_thirty_days_out_of_coming_ones(scene, client_for):
    with travel("2026-11-20"):
        page = client_for(scene.viewer).get(reverse("home")).content.decode()
    assert 'data-testid="overview-coming-none"' in page


def test_it_shows_the_todo_home_to_everyone_else(scene, client_for):
    with travel("2026-12-15"):
        for persona in (scene.secretary_a, scene.member, scene.supervisor):
            page = client_for(persona).get(reverse("home")).content.decode()
            assert 'data-testid="leadership-overview"' not in page and 'data-testid="todos"' in page


def test_it_computes_the_monthly_participation_trend(world):
    with travel("2026-03-01"):
        march = session_on(world, "2026-03-18")
        people = [a.person for a in march.attendances.all()]
        statuses = dict.fromkeys(people, Attendance.Status.PRESENT)
        statuses[people[0]] = Attendance.Status.ABSENT
    with travel("2026-03-18", "17:00"):
        hold(world, march, statuses, at("2026-03-18", "17:00"))
    months = metrics.participation_by_month([world.unit_a, world.unit_b], 2026)
    march_row = months[2]
    assert (march_row.month, march_row.expected, march_row.present) == (3, len(people), len(people) - 1)
    assert all(m.expected == 0 for m in months if m.month != 3)


def test_it_counts_a_session_in_its_local_month_in_the_database(world, django_assert_num_queries):
    """R-S3's trend groups by the month in local time: 07:30 on 1 May in Beijing is 30 April in UTC."""
    with travel("2026-04-20"):
        early = make_session(world.unit_a, starts_at=at("2026-05-01", "07:30"), actor=world.secretary_a)
        people = [a.person for a in early.attendances.all()]
    with travel("2026-05-01", "12:00"):
        hold(world, early, dict.fromkeys(people, Attendance.Status.PRESENT), at("2026-05-01", "12:00"))
    with django_assert_num_queries(1):  # grouped by month in SQL, not one row per attendance
        months = metrics.participation_by_month([world.unit_a, world.unit_b], 2026)
    assert [(m.month, m.expected, m.present) for m in months if m.expected] == [(5, len(people), len(people))]
