"""R-O11 coverage in fixed two-year rounds (`observation.coverage`): the one definition."""

from __future__ import annotations

from pangting.core import parameters
from pangting.observation import coverage
from pangting.observation.models import OBSERVED_STATES, State
from pangting.observation.tests.scenes import walk


def test_it_counts_rounds_as_fixed_pairs_of_years_from_the_start_year(db, world):
    assert coverage.round_of(2025) == coverage.round_of(2026) == (2025, 2026)
    assert coverage.round_of(2027) == (2027, 2028)
    # The start year is the R-O11 parameter of the one registry, set on the parameters page.
    parameters.set_value("R-O11", "round_start_year", "2026", actor=world.supervisor, note="新一轮自2026年起")
    assert coverage.round_of(2026) == coverage.round_of(2027) == (2026, 2027)
    assert coverage.round_of(2025) == (2024, 2025)


def test_it_counts_only_observed_visits_and_shows_planned_ones_apart(world):
    planned = walk(world, "planned")
    result = coverage.coverage([world.unit_a, world.unit_b], 2026)
    assert [(r.unit, r.observed, r.planned, r.status) for r in result.rows] == [
        (world.unit_a, 0, 1, "warn"),
        (world.unit_b, 0, 0, "bad"),
    ]
    planned.delete()
    walk(world, "observed")
    assert State.OBSERVED in OBSERVED_STATES and State.SCHEDULED not in OBSERVED_STATES
    assert coverage.coverage([world.unit_a], 2026).rows[0].status == "ok"
