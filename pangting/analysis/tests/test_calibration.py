"""R-O18 score calibration across teams: Django side (page, API, parameters, agreement)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pangting.analysis import calibration
from pangting.core import clock, parameters
from pangting.core.system import system_actor
from pangting.lib.calibration import NOT_CONNECTED, OK
from pangting.observation import services as observation_services
from pangting.observation.models import ObservationRecord, ObserverScore, StandingTeam, State, TeamMember, Visit
from pangting.tests.builders import make_person


def scored_visit(w, unit, team: StandingTeam | None, score: str, *, leader=None, observers=()) -> Visit:
    """A visit with a filed record (built directly: the workflow is tested in the observation app)."""
    visit = Visit.objects.create(
        supervisor_org=w.root, unit=unit, year=2026, semester=2, state=State.RECORDED, standing_team=team
    )
    TeamMember.objects.create(visit=visit, person=leader or (team.leader if team else w.leader_person), role="leader")
    record = ObservationRecord.objects.create(
        visit=visit, rubric=observation_services.active_rubric(), composite_score=Decimal(score), filed_at=clock.now()
    )
    for person, value in observers:
        ObserverScore.objects.create(record=record, person=person, score=Decimal(value))
    return visit


def two_teams(w) -> tuple[StandingTeam, StandingTeam]:
    strict = StandingTeam.objects.create(supervisor_org=w.root, year=2026, name="严组", leader=w.leader_person)
    lenient = StandingTeam.objects.create(
        supervisor_org=w.root, year=2026, name="宽组", leader=make_person("钱校领导", w.root)
    )
    return strict, lenient


def hand_case(w) -> tuple[StandingTeam, StandingTeam]:
    """The hand-computed case of pangting/lib/tests/test_calibration.py: S −6, L +6."""
    strict, lenient = two_teams(w)
    p1, p2 = make_person("观察员甲", w.root), make_person("观察员乙", w.root)
    scored_visit(w, w.unit_a, strict, "80", observers=[(p1, "78"), (p2, "82")])
    scored_visit(w, w.unit_a, lenient, "90", observers=[(p1, "68"), (p2, "72")])
    scored_visit(w, w.unit_b, strict, "70", observers=[(p1, "88"), (p2, "92")])
    scored_visit(w, w.unit_b, lenient, "84")
    return strict, lenient


def test_it_finds_the_strict_and_the_lenient_team(world):
    hand_case(world)
    report = calibration.year_report(Visit.objects.all(), 2026)
    assert report.status == OK
    severity = {t.label: (round(t.severity, 1), t.flagged, t.direction) for t in report.teams}
    assert severity == {"严组": (-6.0, True, "偏严"), "宽组": (6.0, True, "偏宽")}
    calibrated = sorted((str(r.raw), str(r.calibrated)) for r in report.visits)
    assert calibrated == [("70.0", "76.0"), ("80.0", "86.0"), ("84.0", "78.0"), ("90.0", "84.0")]
    assert report.agreement is not None and report.agreement.icc == pytest.approx(192 / 208)


def test_a_team_inside_the_band_is_not_flagged(world):
    """The band is a parameter (R-O18 severity_band): ±10 keeps a ±6 team unflagged."""
    hand_case(world)
    parameters.set_value("R-O18", "severity_band", 10, actor=system_actor(), note="test")
    report = calibration.year_report(Visit.objects.all(), 2026)
    assert not report.flagged


def test_it_says_plainly_when_teams_share_no_unit(world):
    strict, lenient = two_teams(world)
    scored_visit(world, world.unit_a, strict, "80")
    scored_visit(world, world.unit_b, lenient, "90")
    report = calibration.year_report(Visit.objects.all(), 2026)
    assert report.status == NOT_CONNECTED
    assert "无法比较" in report.sentence
    assert all(r.calibrated is None for r in report.visits)


def test_a_visit_without_a_standing_team_counts_as_its_leaders_team(world):
    strict, _lenient = two_teams(world)
    other = make_person("孙校领导", world.root)
    scored_visit(world, world.unit_a, strict, "80")
    scored_visit(world, world.unit_a, None, "90", leader=other)
    report = calibration.year_report(Visit.objects.all(), 2026)
    assert {t.label for t in report.teams} == {"严组", "孙校领导（组长）"}


def test_the_page_and_the_api_show_it_to_the_supervisor(world, client_for):
    hand_case(world)
    client = client_for(world.supervisor)
    page = client.get("/analysis/calibration/?year=2026").content.decode()
    assert "偏严" in page and "偏宽" in page and "ICC(1,1)" in page
    data = client.get("/api/v1/analysis/calibration/?year=2026").json()
    assert data["status"] == "ok" and {t["label"]: t["severity"] for t in data["teams"]} == {"严组": -6.0, "宽组": 6.0}
    assert client_for(world.secretary_a).get("/analysis/calibration/").status_code == 404
