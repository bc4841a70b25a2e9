"""R-O22 述学 with 民主评议 (several raters, tallied) and R-O18 calibrated scores on the score sheet."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from pangting.analysis.tests.test_calibration import hand_case
from pangting.assessment import services
from pangting.assessment.models import StudyReportRating
from pangting.assessment.tests.builders import make_report
from pangting.core import parameters
from pangting.core.system import system_actor


def test_several_raters_rate_a_report_and_the_tally_counts_them(world):
    """R-O22: supervisor, team leader and a secretary rate; one rating each, the latest counts."""
    report = make_report(world, "A")
    services.rate_study_report(report, actor=world.supervisor, rating="excellent")
    services.rate_study_report(report, actor=world.leader, rating="good")
    services.rate_study_report(report, actor=world.secretary_a, rating="poor")
    services.rate_study_report(report, actor=world.secretary_a, rating="fair")  # changes his own
    tally = services.tally(report)
    assert tally.total == 3
    assert tally.counts == {"excellent": 1, "good": 1, "fair": 1}
    assert tally.good_rate == pytest.approx(66.7)
    assert tally.mean_points == 3.0
    assert StudyReportRating.history.filter(rating="poor").exists()  # the changed rating is kept in history


def test_the_reporter_and_an_outsider_cannot_rate(world):
    report = make_report(world, "A")  # the member's own report
    with pytest.raises(ValidationError):
        services.rate_study_report(report, actor=world.member, rating="excellent")
    with pytest.raises(ValidationError):
        services.rate_study_report(report, actor=world.secretary_b, rating="excellent")
    with pytest.raises(ValidationError):
        services.rate_study_report(report, actor=world.supervisor, rating="best")
    assert services.tally(report).total == 0


def test_a_rater_withdraws_his_rating(world):
    report = make_report(world, "A")
    services.rate_study_report(report, actor=world.supervisor, rating="good")
    services.rate_study_report(report, actor=world.supervisor, rating="")
    assert services.tally(report).total == 0


def test_the_report_page_shows_the_tally_and_takes_a_rating(world, client_for):
    report = make_report(world, "A")
    services.rate_study_report(report, actor=world.leader, rating="excellent")
    client = client_for(world.supervisor)
    response = client.post(f"/assessment/reports/{report.pk}/rate/", {"rating": "fair", "note": "联系实际不够"})
    assert response.status_code == 302
    page = client.get(f"/assessment/reports/{report.pk}/").content.decode()
    assert 'data-testid="tally-total">2<' in page and 'data-testid="good-rate">50.0%<' in page


def test_the_sheet_shows_the_tally_and_the_calibrated_average(world):
    """R-O22 good rate and R-O18 calibrated average per unit; raw stays the score of record."""
    hand_case(world)  # unit A: 80 (strict) and 90 (lenient) → calibrated 86 and 84
    report = make_report(world, "A")
    services.rate_study_report(report, actor=world.supervisor, rating="good")
    sheet = services.compute_sheet(2026, [world.unit_a, world.unit_b])
    row = next(r for r in sheet.rows if r.unit == world.unit_a)
    assert (row.obs_score, row.obs_score_raw, row.obs_score_calibrated) == (85.0, 85.0, 85.0)
    row_b = next(r for r in sheet.rows if r.unit == world.unit_b)
    assert (row_b.obs_score_raw, row_b.obs_score_calibrated) == (77.0, 77.0)
    assert row.report_good_rate == 100.0 and not sheet.calibrated


def test_the_supervisor_switches_the_assessment_to_calibrated_scores(world):
    """R-O18: with the parameter on, obs_score is the calibrated average (unit A seen only by the
    lenient team drops from 90 to 84)."""
    from pangting.analysis.tests.test_calibration import scored_visit, two_teams

    strict, lenient = two_teams(world)
    scored_visit(world, world.unit_a, lenient, "90")
    scored_visit(world, world.unit_b, strict, "70")
    scored_visit(world, world.unit_b, lenient, "84")
    before = services.compute_sheet(2026, [world.unit_a])
    assert before.rows[0].obs_score == 90.0
    parameters.set_value("R-O18", "calibrated_in_assessment", True, actor=system_actor(), note="统一尺度")
    after = services.compute_sheet(2026, [world.unit_a])
    assert after.calibrated and after.rows[0].obs_score_raw == 90.0
    assert after.rows[0].obs_score == pytest.approx(83.0)
