"""R-O18 score calibration and observers' agreement, against cases computed by hand."""

from __future__ import annotations

import pytest

from pangting.lib.calibration import NO_DATA, NOT_CONNECTED, OK, TOO_FEW, ScoredVisit, calibrate, icc_one_way


def _v(key: str, unit: str, team: str, score: float) -> ScoredVisit:
    return ScoredVisit(key, unit, team, score)


# Two units, a strict team S and a lenient team L, each visiting both units (a 2×2 design):
#   A: S 80, L 90;  B: S 70, L 84.
# Grand mean 81; row means A 85, B 77; column means S 75, L 87.
# Fitted cells (row + column − grand): A-S 79, A-L 91, B-S 71, B-L 83 → residuals ±1, RSS 4,
# n − rank = 4 − (2 + 2 − 1) = 1, σ² = 4. Severity = column mean − mean of column means:
# S −6, L +6; var(severity) = σ²·(1/2 + 1/2)/4 = 1, SE 1; t(0.975, 1) = 12.706.
# Calibrated = raw − severity: A-S 86, A-L 84, B-S 76, B-L 78.
HAND = [_v("as", "A", "S", 80), _v("al", "A", "L", 90), _v("bs", "B", "S", 70), _v("bl", "B", "L", 84)]


def test_it_finds_the_strict_and_the_lenient_team_of_the_hand_computed_case() -> None:
    result = calibrate(HAND)
    assert result.status == OK and result.connected and result.df == 1
    assert result.teams["S"].severity == pytest.approx(-6)
    assert result.teams["L"].severity == pytest.approx(6)
    assert result.teams["L"].std_error == pytest.approx(1)
    assert result.residual_sd == pytest.approx(2)
    assert result.teams["L"].low == pytest.approx(6 - 12.7062, abs=1e-3)
    assert result.teams["L"].high == pytest.approx(6 + 12.7062, abs=1e-3)
    calibrated = {v.key: v.calibrated for v in result.visits}
    assert calibrated == pytest.approx({"as": 86, "al": 84, "bs": 76, "bl": 78})


def test_it_says_too_few_when_the_fit_is_exact() -> None:
    result = calibrate(HAND[:3])  # 3 visits, rank 3: estimates but no intervals
    assert result.status == TOO_FEW
    assert result.teams["L"].severity == pytest.approx(5)  # A: L 90 − S 80, halved
    assert result.teams["L"].low is None


def test_it_says_not_connected_when_no_two_teams_share_a_unit() -> None:
    result = calibrate([_v("1", "A", "S", 80), _v("2", "A", "S", 82), _v("3", "B", "L", 90)])
    assert result.status == NOT_CONNECTED
    assert result.parts == 2 and not result.connected
    assert result.teams["S"].severity is None
    assert all(v.calibrated is None for v in result.visits)


def test_a_separate_part_does_not_move_the_connected_one() -> None:
    result = calibrate([*HAND, _v("x", "C", "Q", 50), _v("y", "C", "Q", 52)])
    assert result.parts == 2 and result.comparable_parts == 1
    assert result.teams["S"].severity == pytest.approx(-6)
    assert result.teams["Q"].severity is None


def test_no_data() -> None:
    assert calibrate([]).status == NO_DATA


def test_a_non_finite_score_is_refused() -> None:
    with pytest.raises(ValueError):
        calibrate([_v("1", "A", "S", float("nan"))])


# Three sessions, two observers each: (78, 82), (68, 72), (88, 92).
# Means 80, 70, 90, grand 80. SSB = 2·(0 + 100 + 100) = 400, MSB = 200; SSW = 6·4 = 24,
# MSW = 24/3 = 8; ICC(1,1) = (200 − 8) / (200 + 8) = 0.9231.
def test_icc_of_the_hand_computed_case() -> None:
    agreement = icc_one_way([[78, 82], [68, 72], [88, 92], [75]])  # the single score is left out
    assert agreement.sessions == 3 and agreement.ratings == 6
    assert agreement.icc == pytest.approx(192 / 208)
    assert agreement.low is not None and agreement.low < agreement.icc < (agreement.high or 0)
    assert agreement.form == "ICC(1,1)"


def test_icc_is_low_when_observers_disagree() -> None:
    agreement = icc_one_way([[60, 90], [90, 60], [75, 76]])
    assert agreement.icc is not None and agreement.icc < 0


def test_icc_needs_two_sessions() -> None:
    assert icc_one_way([[70, 72]]).icc is None
