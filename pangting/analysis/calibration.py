"""Score calibration across observation teams (R-O18), the Django side of `pangting.lib.calibration`.

A visit's team is the standing group of the grouping table it belongs to (R-O24,
`Visit.standing_team`), or, where none is set, the visit's leader. Only filed records with a
composite score count. The raw composite stays the score of record; the assessment uses the
calibrated one only when the supervisor switches the R-O18 parameter `calibrated_in_assessment`
on (a rule parameter: its changes keep history with who, when and why).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pangting.core import clock, parameters
from pangting.lib import calibration as lib
from pangting.observation.models import ObserverScore, State, TeamMember, Visit

RULE_ID = "R-O18"


def register_parameters() -> None:
    parameters.register(
        RULE_ID,
        parameters.Parameter(
            "severity_band", 5, gettext_lazy("旁听小组宽严度提示范围（±分）"), "int", unit=gettext_lazy("分")
        ),
        parameters.Parameter(
            "calibrated_in_assessment", False, gettext_lazy("考核使用校准后的综合评分（否则使用原始评分）"), "bool"
        ),
        title=gettext_lazy("综合评分与小组校准"),
    )


def year_of(raw: str) -> int:
    """The year a page or the API asks for (`?year=`), this year when absent or out of range."""
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else clock.today().year


def severity_band() -> float:
    return float(parameters.value(RULE_ID, "severity_band"))


def calibrated_in_assessment() -> bool:
    return bool(parameters.value(RULE_ID, "calibrated_in_assessment"))


def scored_visits(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """The visits with a filed record and a composite score, with what the calibration reads."""
    leaders = TeamMember.objects.filter(role=TeamMember.Role.LEADER, deleted_at__isnull=True).select_related("person")
    return (
        visits.filter(
            deleted_at__isnull=True,
            record__filed_at__isnull=False,
            record__composite_score__isnull=False,
        )
        .exclude(state=State.CANCELLED)
        .select_related("unit", "standing_team", "record")
        .prefetch_related(Prefetch("team_members", queryset=leaders, to_attr="leaders"))
    )


def team_of(visit: Visit) -> tuple[tuple[str, int], str]:
    """The visit's team key and label: the standing group, else the leader (R-O18, R-O24)."""
    if visit.standing_team_id:
        return ("team", visit.standing_team_id), visit.standing_team.name if visit.standing_team else ""
    leaders = getattr(visit, "leaders", None)
    if leaders is None:
        leaders = list(visit.team_members.filter(role=TeamMember.Role.LEADER, deleted_at__isnull=True))
    if leaders:
        return ("leader", leaders[0].person_id), _("{name}（组长）").format(name=leaders[0].person.name)
    return ("none", visit.pk), _("未定旁听组")


@dataclass
class TeamRow:
    key: tuple[str, int]
    label: str
    severity: float | None
    low: float | None
    high: float | None
    visits: int
    flagged: bool
    part: int

    @property
    def direction(self) -> str:
        if self.severity is None:
            return _("无法比较")
        if not self.flagged:
            return _("正常")
        return _("偏宽") if self.severity > 0 else _("偏严")


@dataclass
class VisitRow:
    visit: Visit
    team: str
    raw: Decimal
    calibrated: Decimal | None


@dataclass
class Report:
    """What the calibration page, the dashboard and the assessment show."""

    status: str
    sentence: str
    band: float
    teams: list[TeamRow] = field(default_factory=list)
    visits: list[VisitRow] = field(default_factory=list)
    parts: int = 0
    comparable_parts: int = 0
    residual_sd: float | None = None
    df: int = 0
    agreement: lib.Agreement | None = None

    @property
    def flagged(self) -> list[TeamRow]:
        return [t for t in self.teams if t.flagged]

    def calibrated_by_visit(self) -> dict[int, Decimal | None]:
        return {row.visit.pk: row.calibrated for row in self.visits}


def _sentence(result: lib.Calibration) -> str:
    """Say plainly what the data allow (R-O18: too few, or not connected)."""
    if result.status == lib.NO_DATA:
        return _("没有已填报且有综合评分的旁听记录，无法校准。")
    if result.status == lib.NOT_CONNECTED:
        return _(
            "各旁听小组没有旁听过相同的单位（数据不相连），小组之间的宽严无法比较；"
            "交叉旁听、调整分组、应邀或随机旁听可以把它们连起来。"
        )
    parts = ""
    if result.parts > 1:
        parts = _("数据分成{parts}个互不相连的部分，只在各部分内部比较小组宽严。").format(parts=result.parts)
    if result.status == lib.TOO_FEW:
        return _("数据太少：模型恰好拟合，没有剩余自由度，无法给出区间，估计值仅供参考。") + parts
    return (
        _("按“单位效应＋小组效应＋误差”的加性模型用最小二乘估计，区间为{level}%置信区间。").format(
            level=round(result.confidence * 100)
        )
        + parts
    )


def calibrate_visits(visits: Iterable[Visit], *, band: float | None = None) -> Report:
    """Fit the calibration over `visits` (already scoped by the caller) and report it."""
    band = severity_band() if band is None else band
    rows = list(visits)
    labels: dict[tuple[str, int], str] = {}
    data: list[lib.ScoredVisit] = []
    by_pk: dict[int, Visit] = {}
    for visit in rows:
        key, label = team_of(visit)
        labels[key] = label
        by_pk[visit.pk] = visit
        data.append(lib.ScoredVisit(visit.pk, visit.unit_id, key, float(visit.record.composite_score or 0)))
    result = lib.calibrate(data)
    teams = [
        TeamRow(
            key=sev.team,  # type: ignore[arg-type]
            label=labels[sev.team],  # type: ignore[index]
            severity=sev.severity,
            low=sev.low,
            high=sev.high,
            visits=sev.visits,
            flagged=sev.severity is not None and abs(sev.severity) > band,
            part=sev.part,
        )
        for sev in result.teams.values()
    ]
    teams.sort(key=lambda t: (t.severity is None, t.severity or 0.0))
    visit_rows = [
        VisitRow(
            visit=by_pk[v.key],  # type: ignore[index]
            team=labels[v.team],  # type: ignore[index]
            raw=Decimal(str(v.raw)).quantize(Decimal("0.1")),
            calibrated=None if v.calibrated is None else Decimal(str(round(v.calibrated, 1))).quantize(Decimal("0.1")),
        )
        for v in result.visits
    ]
    return Report(
        status=result.status,
        sentence=_sentence(result),
        band=band,
        teams=teams,
        visits=visit_rows,
        parts=result.parts,
        comparable_parts=result.comparable_parts,
        residual_sd=result.residual_sd,
        df=result.df,
        agreement=agreement(rows),
    )


def agreement(visits: Iterable[Visit]) -> lib.Agreement:
    """ICC(1,1) of the observers' own scores over sessions two or more observers scored."""
    groups: dict[int, list[float]] = defaultdict(list)
    record_ids = [v.record.pk for v in visits]
    for record_id, score in ObserverScore.objects.filter(record_id__in=record_ids, deleted_at__isnull=True).values_list(
        "record_id", "score"
    ):
        groups[record_id].append(float(score))
    return lib.icc_one_way(groups.values())


def agreement_sentence(result: lib.Agreement) -> str:
    if result.icc is None:
        return _("少于两个学习会有两名以上旁听人员的个人评分，无法计算评分一致性。")
    return _(
        "评分一致性（组内相关系数 ICC(1,1)：单向随机效应、绝对一致、单人评分）为{icc}"
        "（95%置信区间{low}～{high}），基于{sessions}个学习会的{ratings}个个人评分。"
    ).format(
        icc=f"{result.icc:.2f}",
        low=f"{result.low:.2f}" if result.low is not None else "—",
        high=f"{result.high:.2f}" if result.high is not None else "—",
        sessions=result.sessions,
        ratings=result.ratings,
    )


def year_report(visits: QuerySet[Visit], year: int) -> Report:
    """The calibration of one year's visits (the caller scopes `visits` to the user's reach)."""
    return calibrate_visits(scored_visits(visits.filter(year=year)))


def as_data(report: Report) -> dict[str, Any]:
    """The report as JSON for the API."""

    def num(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return {
        "status": report.status,
        "sentence": report.sentence,
        "band": report.band,
        "parts": report.parts,
        "comparable_parts": report.comparable_parts,
        "residual_sd": num(report.residual_sd),
        "df": report.df,
        "teams": [
            {
                "team": f"{t.key[0]}:{t.key[1]}",
                "label": t.label,
                "severity": num(t.severity),
                "low": num(t.low),
                "high": num(t.high),
                "visits": t.visits,
                "flagged": t.flagged,
                "part": t.part,
            }
            for t in report.teams
        ],
        "visits": [
            {
                "visit": r.visit.pk,
                "unit": r.visit.unit.display_name,
                "team": r.team,
                "raw": str(r.raw),
                "calibrated": None if r.calibrated is None else str(r.calibrated),
            }
            for r in report.visits
        ],
        "agreement": None
        if report.agreement is None
        else {
            "form": report.agreement.form,
            "icc": num(report.agreement.icc),
            "low": num(report.agreement.low),
            "high": num(report.agreement.high),
            "sessions": report.agreement.sessions,
            "ratings": report.agreement.ratings,
        },
    }
