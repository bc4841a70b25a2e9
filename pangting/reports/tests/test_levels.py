"""The subordinate supervisors' dashboard (R-O23): the level above compares the levels below."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pangting.observation import services
from pangting.observation.models import TeamMember
from pangting.reports import levels as level_figures
from pangting.tests.levels import Levels

from ...observation.tests.scenes import travel

pytestmark = pytest.mark.django_db


@pytest.fixture
def levels(world) -> Levels:
    return Levels(world)


def _college_visit(L, *, letter: bool):
    with travel("2026-09-25"):
        visit = services.create_visit(
            actor=L.college_supervisor, unit=L.department, year=2026, semester=2, target_month=10,
            team=[(L.college_leader, TeamMember.Role.LEADER)],
        )  # fmt: skip
        if letter:
            visit = services.issue_letter(visit, actor=L.college_supervisor)
    return visit


def test_each_level_is_counted_over_the_units_it_supervises_itself(levels):
    w, L = levels.w, levels
    _college_visit(L, letter=True)
    with travel("2026-10-01"):
        rows = {row.organization: row for row in level_figures.level_rows([w.root, L.college], 2026)}
    # The university's units are A, B and the college's own center group; the college's is its 机关党总支.
    assert (rows[w.root].units, rows[w.root].visits, rows[w.root].letters) == (3, 0, 0)
    assert (rows[L.college].units, rows[L.college].visits, rows[L.college].letters) == (1, 1, 1)
    assert rows[L.college].above == w.root and rows[w.root].above is None
    assert rows[L.college].coverage_percent == 0.0  # planned, not yet observed (R-O11)
    assert rows[w.root].on_time_percent is None  # nothing due yet


def test_the_levels_are_read_in_the_same_queries_however_many_there_are(levels):
    """Issue 15: a province reads its cities in one go, not a fixed number of queries per city."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pangting.orgs.models import Organization

    w, L = levels.w, levels
    _college_visit(L, letter=True)

    def counted(orgs):
        with travel("2026-10-01"), CaptureQueriesContext(connection) as captured:
            rows = level_figures.level_rows(orgs, 2026)
        return len(captured), {row.organization.code: (row.units, row.visits) for row in rows}

    two, figures = counted([w.root, L.college])
    Organization.objects.filter(pk__in=[w.unit_a.pk, w.unit_b.pk]).update(has_supervisor=True)
    more = [Organization.objects.get(pk=pk) for pk in (w.root.pk, L.college.pk, w.unit_a.pk, w.unit_b.pk)]
    four, more_figures = counted(more)
    assert four == two
    # The two new levels supervise nothing below them yet; they stay units of the university.
    assert more_figures == {**figures, w.unit_a.code: (0, 0), w.unit_b.code: (0, 0)}


def test_the_level_above_sees_the_level_below_on_its_dashboard(levels, client_for):
    w, L = levels.w, levels
    _college_visit(L, letter=True)
    with travel("2026-10-01"):
        page = client_for(w.supervisor).get(reverse("reports:levels"), {"year": "2026"}).content.decode()
    assert page.count('data-testid="level-row"') == 2
    assert 'data-org="UC"' in page and 'data-org="ROOT"' in page
    assert "只读" in page  # the college's row, for the university's supervisor


def test_a_lower_level_does_not_see_the_level_above(levels, client_for):
    L = levels
    with travel("2026-10-01"):
        page = client_for(L.college_supervisor).get(reverse("reports:levels"), {"year": "2026"}).content.decode()
    assert page.count('data-testid="level-row"') == 1
    assert 'data-org="UC"' in page and 'data-org="ROOT"' not in page
    assert 'data-testid="no-lower"' in page


def test_the_dashboard_is_not_for_a_unit_secretary(levels, client_for):
    with travel("2026-10-01"):
        response = client_for(levels.w.secretary_a).get(reverse("reports:levels"))
    assert response.status_code == 404


def test_a_levels_bulletin_leaves_its_own_center_group_to_the_level_above(levels):
    """R-O23: the university's visit to the college's center group counts in the university's
    figures, not in the college's own (the college supervises only its units)."""
    from pangting.reports.figures import compute_figures

    w, L = levels.w, levels
    with travel("2026-09-25"):
        services.create_visit(
            actor=w.supervisor, unit=L.college, year=2026, semester=2, target_month=10,
            team=[(w.leader_person, TeamMember.Role.LEADER)],
        )  # fmt: skip
    _college_visit(L, letter=False)
    with travel("2026-10-01"):
        assert compute_figures(L.college, 2026)["visits_total"] == 1  # its own visit to its 机关党总支
        assert compute_figures(w.root, 2026)["visits_total"] == 2  # its own, and the level below's (read)
