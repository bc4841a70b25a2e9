"""Score calibration across observation teams (R-O18) and observers' agreement (ICC).

Calibration. Each visit's composite score is modelled as

    score = unit effect + team effect + noise,

and fitted by ordinary least squares. Units and teams form a bipartite graph whose edges are
visits; team effects are comparable only inside one connected part of that graph (a cross-visit,
a team that changed its units, an invited or random visit are what connects the parts). Inside a
part the model is identified up to a constant, so a team's *severity* is reported as the
estimable contrast "this team's effect minus the mean effect of the part's teams": positive
means the team scores more leniently than the average team, negative more strictly. Its variance
is σ² · cᵀ(XᵀX)⁺c (c the contrast, ⁺ the Moore–Penrose inverse), σ² the residual mean square on
n − rank degrees of freedom, and the interval uses Student's t. A visit's calibrated score is its
raw score minus its team's severity.

numpy does the linear algebra (pinv over a few hundred columns is instant) and scipy gives the t
and F quantiles; both already come with the text-duplicate index (datasketch), so they add no
install weight.

Agreement. Where several observers scored the same session, their agreement is the
intraclass correlation ICC(1,1) of Shrout & Fleiss (1979) (McGraw & Wong's ICC(1)): one-way
random effects, absolute agreement, single rater. The one-way form is the right one because the
observers differ from session to session (they are not one fixed panel that rated every
session). Sessions may have different numbers of raters; the mean group size is then n₀
(Snedecor–Cochran's adjusted mean).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

# Status codes (the app layer turns them into sentences).
OK = "ok"
NO_DATA = "no_data"  # no scored visit at all
TOO_FEW = "too_few"  # fitted, but no residual degrees of freedom: no intervals
NOT_CONNECTED = "not_connected"  # no part of the graph has two teams: nothing to compare


@dataclass(frozen=True)
class ScoredVisit:
    """One visit's composite score, with the unit observed and the team that observed it."""

    key: Hashable
    unit: Hashable
    team: Hashable
    score: float


@dataclass(frozen=True)
class TeamSeverity:
    """A team's effect relative to the mean team of its connected part, with its interval."""

    team: Hashable
    severity: float | None  # None: alone in its part, not comparable
    low: float | None
    high: float | None
    std_error: float | None
    visits: int
    part: int


@dataclass(frozen=True)
class CalibratedVisit:
    key: Hashable
    unit: Hashable
    team: Hashable
    raw: float
    calibrated: float | None  # None where the team's severity is unknown


@dataclass
class Calibration:
    status: str
    teams: dict[Hashable, TeamSeverity] = field(default_factory=dict)
    visits: list[CalibratedVisit] = field(default_factory=list)
    parts: int = 0  # connected parts of the unit–team graph
    comparable_parts: int = 0  # parts with at least two teams
    residual_sd: float | None = None
    df: int = 0
    confidence: float = 0.95

    @property
    def connected(self) -> bool:
        return self.parts == 1


def _parts(visits: Sequence[ScoredVisit]) -> dict[tuple[str, Hashable], int]:
    """Union–find over units and teams joined by visits; returns node → part number (0, 1, …)."""
    parent: dict[tuple[str, Hashable], tuple[str, Hashable]] = {}

    def find(node: tuple[str, Hashable]) -> tuple[str, Hashable]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for visit in visits:
        a, b = find(("u", visit.unit)), find(("t", visit.team))
        if a != b:
            parent[a] = b
    numbers: dict[tuple[str, Hashable], int] = {}
    result: dict[tuple[str, Hashable], int] = {}
    for node in list(parent):
        root = find(node)
        result[node] = numbers.setdefault(root, len(numbers))
    return result


def calibrate(visits: Iterable[ScoredVisit], *, confidence: float = 0.95) -> Calibration:
    """Fit the additive unit + team model (R-O18); see the module docstring."""
    data = list(visits)
    if not data:
        return Calibration(status=NO_DATA, confidence=confidence)
    for visit in data:
        if not math.isfinite(visit.score):
            raise ValueError("scores must be finite numbers")
    part_of = _parts(data)
    units = sorted({v.unit for v in data}, key=repr)
    teams = sorted({v.team for v in data}, key=repr)
    col_unit = {u: i for i, u in enumerate(units)}
    col_team = {t: len(units) + i for i, t in enumerate(teams)}
    x = np.zeros((len(data), len(units) + len(teams)))
    y = np.array([v.score for v in data], dtype=float)
    for row, visit in enumerate(data):
        x[row, col_unit[visit.unit]] = 1.0
        x[row, col_team[visit.team]] = 1.0
    beta = np.linalg.pinv(x) @ y
    parts = len(set(part_of.values()))
    rank = len(units) + len(teams) - parts
    df = len(data) - rank
    residuals = y - x @ beta
    sigma2 = float(residuals @ residuals) / df if df > 0 else None
    xtx_pinv = np.linalg.pinv(x.T @ x)
    quantile = float(stats.t.ppf(0.5 + confidence / 2, df)) if df > 0 else None

    teams_in_part: dict[int, list[Hashable]] = {}
    for team in teams:
        teams_in_part.setdefault(part_of[("t", team)], []).append(team)
    visit_counts: dict[Hashable, int] = {}
    for visit in data:
        visit_counts[visit.team] = visit_counts.get(visit.team, 0) + 1

    severities: dict[Hashable, TeamSeverity] = {}
    for part, members in teams_in_part.items():
        for team in members:
            if len(members) < 2:
                severities[team] = TeamSeverity(team, None, None, None, None, visit_counts[team], part)
                continue
            contrast = np.zeros(x.shape[1])
            for other in members:
                contrast[col_team[other]] -= 1.0 / len(members)
            contrast[col_team[team]] += 1.0
            estimate = float(contrast @ beta)
            se = low = high = None
            if sigma2 is not None and quantile is not None:
                se = math.sqrt(max(float(contrast @ xtx_pinv @ contrast), 0.0) * sigma2)
                low, high = estimate - quantile * se, estimate + quantile * se
            severities[team] = TeamSeverity(team, estimate, low, high, se, visit_counts[team], part)

    calibrated = [
        CalibratedVisit(
            v.key,
            v.unit,
            v.team,
            v.score,
            None if severities[v.team].severity is None else v.score - float(severities[v.team].severity or 0.0),
        )
        for v in data
    ]
    comparable = sum(1 for members in teams_in_part.values() if len(members) >= 2)
    if comparable == 0:
        status = NOT_CONNECTED
    elif df <= 0:
        status = TOO_FEW
    else:
        status = OK
    return Calibration(
        status=status,
        teams=severities,
        visits=calibrated,
        parts=parts,
        comparable_parts=comparable,
        residual_sd=math.sqrt(sigma2) if sigma2 is not None else None,
        df=max(df, 0),
        confidence=confidence,
    )


@dataclass(frozen=True)
class Agreement:
    """ICC(1,1) over sessions scored by two or more observers, with its F-based interval."""

    icc: float | None
    low: float | None
    high: float | None
    sessions: int  # sessions with at least two observers' scores
    ratings: int
    form: str = "ICC(1,1)"


def icc_one_way(groups: Iterable[Sequence[float]], *, confidence: float = 0.95) -> Agreement:
    """ICC(1,1): one-way random effects, absolute agreement, single rater (Shrout & Fleiss 1979).

    `groups` holds, per session, the observers' scores of that session; sessions with fewer than
    two scores are left out. Returns `icc=None` when fewer than two sessions remain (too few).
    """
    kept = [list(map(float, g)) for g in groups if len(g) >= 2]
    g = len(kept)
    n = sum(len(scores) for scores in kept)
    if g < 2:
        return Agreement(None, None, None, g, n)
    grand = sum(sum(scores) for scores in kept) / n
    ssb = sum(len(s) * (sum(s) / len(s) - grand) ** 2 for s in kept)
    ssw = sum(sum((x - sum(s) / len(s)) ** 2 for x in s) for s in kept)
    msb = ssb / (g - 1)
    msw = ssw / (n - g)
    n0 = (n - sum(len(s) ** 2 for s in kept) / n) / (g - 1)
    if msb + (n0 - 1) * msw == 0:
        return Agreement(None, None, None, g, n)  # every score equal: agreement undefined
    icc = (msb - msw) / (msb + (n0 - 1) * msw)
    if msw == 0:
        return Agreement(icc, icc, icc, g, n)
    alpha = 1 - confidence
    f0 = msb / msw
    f_low = f0 / float(stats.f.ppf(1 - alpha / 2, g - 1, n - g))
    f_high = f0 * float(stats.f.ppf(1 - alpha / 2, n - g, g - 1))
    return Agreement(icc, (f_low - 1) / (f_low + n0 - 1), (f_high - 1) / (f_high + n0 - 1), g, n)
