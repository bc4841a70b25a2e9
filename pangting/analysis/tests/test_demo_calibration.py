"""The demo's grouping table (R-O24) and its strict and lenient teams, found by the calibration (R-O18)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pangting.analysis import calibration
from pangting.analysis.demo_calibration import TEAMS, extend_demo
from pangting.core import clock
from pangting.core.demo import DemoDates
from pangting.observation import services as observation_services
from pangting.observation.models import ObservationRecord, StandingTeam, State, Visit
from pangting.tests.builders import make_person

SCORES = {"organization": "85", "content": "85", "method": "85", "effect": "85"}


def recorded_visit(w, unit) -> Visit:
    visit = Visit.objects.create(supervisor_org=w.root, unit=unit, year=2026, semester=2, state=State.RECORDED)
    rubric = observation_services.active_rubric()
    ObservationRecord.objects.create(
        visit=visit, rubric=rubric, scores=dict(SCORES), filed_at=clock.now(),
        composite_score=observation_services.composite_score(rubric, SCORES),
    )  # fmt: skip
    return visit


def test_the_demo_plants_a_strict_and_a_lenient_team_that_the_calibration_finds(world):
    make_person("孙书记", world.root, post="党委书记", is_school_leader=True)
    for unit in (world.unit_a, world.unit_a, world.unit_b, world.unit_b):
        recorded_visit(world, unit)
    extend_demo({"dates": DemoDates(dt.date(2026, 11, 23)), "root": world.root})
    assert set(StandingTeam.objects.values_list("name", flat=True)) == set(TEAMS)
    report = calibration.year_report(Visit.objects.all(), 2026)
    found = {t.label: t.direction for t in report.teams}
    assert found == {TEAMS[0]: "偏严", TEAMS[1]: "偏宽"}
    assert all(r.calibrated == Decimal("85.0") for r in report.visits)
