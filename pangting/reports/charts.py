"""The dashboard's charts: one builder per figure, turning `metrics` into ECharts options.

Each builder returns a `Chart` card: the ECharts option (drawn by `static/reports/dashboard.js`
from a `json_script` block, as the CSP allows no inline script), a short explanation citing
the rule, and the numbers as a table so the page reads without JavaScript. Builders call the
`metrics` functions, which run a fixed number of queries whatever the data size.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pangting.analysis import calibration
from pangting.compliance import services as compliance_services
from pangting.core import clock
from pangting.observation.models import Visit
from pangting.orgs.models import PATH_STEP, Organization

from . import groups, metrics, study_figures

SEMESTERS = {1: gettext_lazy("春季学期"), 2: gettext_lazy("秋季学期")}
OUTCOME_LABELS = [
    (metrics.ON_TIME, gettext_lazy("按时完成")),
    (metrics.LATE, gettext_lazy("逾期完成")),
    (metrics.OVERDUE, gettext_lazy("逾期未完成")),
    (metrics.PENDING, gettext_lazy("未到期")),
]
OUTCOME_COLORS = ["#1a7f37", "#d4a72c", "#cf222e", "#8c959f"]


@dataclass
class Chart:
    """One chart card: its ECharts option, a short explanation and the numbers as a table."""

    id: str
    title: str
    explanation: str
    option: dict[str, Any]
    headers: list[str]
    rows: list[list[Any]]
    empty: bool
    empty_text: str = field(default_factory=lambda: _("本期间暂无数据。"))
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url) under the chart
    height: int = 0  # px; 0 keeps the stylesheet's height. Set by charts whose rows must all show.
    note: str = ""  # what a per-unit chart shows of a large set: groups or the laggards (`groups`)


def _cn_date(moment: dt.datetime) -> str:
    """The local date in the active language's format (2026年3月5日, Mar. 5, 2026)."""
    return formats.date_format(timezone.localtime(moment).date(), "DATE_FORMAT")


def _base(**extra: Any) -> dict[str, Any]:
    # richText tooltips are drawn inside the chart: HTML tooltips carry inline styles the CSP refuses.
    return {
        "animation": False,
        "tooltip": {"trigger": "axis", "renderMode": "richText"},
        "grid": {"left": 48, "right": 24, "top": 40, "bottom": 64, "containLabel": True},
        **extra,
    }


def _category_axis(labels: list[str]) -> dict[str, Any]:
    return {"type": "category", "data": labels, "axisLabel": {"interval": 0, "rotate": 30 if len(labels) > 6 else 0}}


def _bar(labels: list[str], series: list[dict[str, Any]], *, percent: bool = False, **extra: Any) -> dict[str, Any]:
    value_axis: dict[str, Any] = {"type": "value", "minInterval": 1}
    if percent:
        value_axis = {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}}
    return _base(
        legend={"top": 0} if len(series) > 1 else {"show": False},
        xAxis=_category_axis(labels),
        yAxis=value_axis,
        series=series,
        **extra,
    )


def _pct(value: Any) -> float | None:
    return metrics.percent(value)


def _pct_text(value: Any) -> str:
    number = metrics.percent(value)
    return "—" if number is None else f"{number:g}%"


def _rate(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def _lowest_rate(part: str, whole: str) -> Any:
    """A laggards' order (`groups.lines`): the lowest rate first, lines without a rate last."""

    def key(line: groups.Line[Any]) -> tuple[bool, Fraction]:
        rate = _rate(line.sum(part), line.sum(whole))
        return (rate is None, rate or Fraction(0))

    return key


def _threshold_line(value: float, label: str) -> dict[str, Any]:
    return {
        "silent": True,
        "symbol": "none",
        "data": [{"yAxis": value, "name": label}],
        "label": {"formatter": label, "position": "insideEndTop"},  # inside the grid: not clipped at the edge
    }


def coverage_chart(
    units: list[Organization], year: int, *, start: int | None = None, shown: groups.Plan | None = None
) -> Chart:
    data = metrics.coverage(units, year, start=start)
    first, last = data.round
    # R-O11 per group: covered units of the group's units; the laggards are the least observed units.
    shown = shown or groups.plan(units)
    lines = groups.lines(shown, data.rows, worst=lambda line: (line.sum("covered"), line.sum("observed")))
    labels = [line.name for line in lines.items]
    option = _bar(
        labels,
        [
            {
                "name": _("{year}年").format(year=first),
                "type": "bar",
                "stack": "visits",
                "data": [line.sum("first") for line in lines.items],
            },
            {
                "name": _("{year}年").format(year=last),
                "type": "bar",
                "stack": "visits",
                "data": [line.sum("second") for line in lines.items],
            },
        ],
    )
    return Chart(
        "coverage",
        _("两年一轮覆盖情况：{covered}/{total}个单位已旁听").format(covered=data.covered, total=data.total),
        _("R-O11：每个单位在每两年一轮（{round}）中至少被巡听旁听一次；计入团队已到场旁听的巡听旁听。").format(
            round=data.label
        ),
        option,
        [_("单位"), _("{year}年").format(year=first), _("{year}年").format(year=last), _("本轮覆盖")],
        [[line.label, line.sum("first"), line.sum("second"), _covered_text(shown, line)] for line in lines.items],
        empty=not data.rows,
        empty_text=_("没有可统计的单位。"),
        note=lines.note,
    )


def _covered_text(shown: groups.Plan, line: groups.Line[Any]) -> str:
    """A unit's R-O11 state, or a group's covered units out of its units."""
    if shown.mode == groups.GROUPS:
        return _("{covered}/{total}个单位").format(covered=line.sum("covered"), total=line.units)
    return _("已覆盖") if line.sum("covered") else _("未覆盖")


def timeliness_chart(units: list[Organization], year: int, today: dt.date, counted: metrics.Counted = None) -> Chart:
    rows = metrics.timeliness(units, year, today, counted)
    labels = [r.label for r in rows]  # the rule is in the table below, as its label (core.rule_labels)
    series = [
        {"name": str(label), "type": "bar", "stack": "all", "data": [getattr(r, key) for r in rows], "color": color}
        for (key, label), color in zip(OUTCOME_LABELS, OUTCOME_COLORS, strict=True)
    ]
    option = _base(
        legend={"top": 0},
        xAxis={"type": "value", "minInterval": 1},
        yAxis={"type": "category", "data": labels, "inverse": True},
        series=series,
    )
    option["grid"] = {**option["grid"], "left": 8}
    return Chart(
        "timeliness",
        _("各项期限执行情况"),
        _(
            "按各记录保存的截止日期与报送、完成时间比对（不重新推算期限）：R-S10 安排表会前报送、会后材料报送；"
            "R-O4 函告回复；R-O8 记录填报；R-O9 书面反馈；R-O13 交叉旁听书面报告；R-O10 整改期限。"
        ),
        option,
        [_("期限"), _("规则"), *[str(label) for _key, label in OUTCOME_LABELS]],
        [[str(r.label), r.rule, r.on_time, r.late, r.overdue, r.pending] for r in rows],
        empty=not any(r.total for r in rows),
    )


def participation_chart(
    units: list[Organization], year: int, *, shown: groups.Plan | None = None, counted: metrics.Counted = None
) -> Chart:
    data = metrics.participation(units, year, counted)
    threshold = metrics.percent(data.threshold) or 0
    # R-S3 per group: the group's present ÷ its expected, never an average of the units' rates.
    lines = groups.lines(shown or groups.plan(units), data.rows, worst=_lowest_rate("present", "expected"))
    option = _bar(
        [line.name for line in lines.items],
        [
            {
                "name": _("参学率"),
                "type": "bar",
                "data": [_pct(_rate(line.sum("present"), line.sum("expected"))) for line in lines.items],
                "markLine": _threshold_line(threshold, f"{threshold:g}%"),
            }
        ],
        percent=True,
    )
    return Chart(
        "participation",
        _("中心组成员参学率：{rate}").format(rate=_pct_text(data.rate)),
        _(
            "R-S3：已召开的中心组学习会实到人数 ÷ 应到人数，标准不低于{threshold}%；"
            "“达标场次”为单场参学率达到标准的学习会。"
        ).format(threshold=f"{threshold:g}"),
        option,
        [_("单位"), _("已召开学习会"), _("应到人次"), _("实到人次"), _("参学率"), _("达标场次")],
        [
            [
                line.label,
                line.sum("sessions"),
                line.sum("expected"),
                line.sum("present"),
                _pct_text(_rate(line.sum("present"), line.sum("expected"))),
                line.sum("meeting_threshold"),
            ]
            for line in lines.items
        ],
        empty=not data.has_data,
        note=lines.note,
    )


def participation_trend_chart(units: list[Organization], year: int, *, until_month: int = 12) -> Chart:
    """The leadership's trend (issue 16): the monthly participation rate of held center-group sessions (R-S3)."""
    months = [m for m in metrics.participation_by_month(units, year) if m.month <= until_month]
    threshold = metrics.percent(metrics.get_parameters().participation_threshold) or 0
    option = _base(
        legend={"show": False},
        xAxis={
            "type": "category",
            "data": [_("{month}月").format(month=m.month) for m in months],
            "axisLabel": {"interval": 0},
        },
        yAxis={"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
        series=[
            {
                "name": _("参学率"),
                "type": "line",
                "connectNulls": True,
                "data": [_pct(m.rate) for m in months],
                "markLine": _threshold_line(threshold, f"{threshold:g}%"),
            }
        ],
    )
    return Chart(
        "participation_trend",
        _("{year}年参学率走势").format(year=year),
        _("R-S3：每月已召开的中心组学习会实到人次 ÷ 应到人次，标准不低于{threshold}%。").format(
            threshold=f"{threshold:g}"
        ),
        option,
        [_("月份"), _("应到人次"), _("实到人次"), _("参学率")],
        [
            [_("{month}月").format(month=m.month), m.expected, m.present, _pct_text(m.rate)]
            for m in months
            if m.expected
        ],
        empty=not any(m.expected for m in months),
        empty_text=_("本年度尚无已召开的中心组学习会。"),
    )


def session_charts(
    units: list[Organization], year: int, *, shown: groups.Plan | None = None, counted: metrics.Counted = None
) -> list[Chart]:
    data = metrics.sessions(units, year, counted)
    shown = shown or groups.plan(units)
    held = data.total("held")
    # Per group: the group's counts and their ratio (R-S4, R-S12); the laggards: the lowest rates.
    by_first = groups.lines(shown, data.rows, worst=_lowest_rate("first_item", "held"))
    by_led = groups.lines(shown, data.rows, worst=_lowest_rate("secretary_led", "held"))
    by_postponed = groups.lines(
        shown,
        data.rows,
        worst=lambda line: (-line.sum("rescheduled_twice_or_more"), -line.sum("rescheduled_once")),
    )
    first = Chart(
        "first_item",
        _("“第一议题”落实率：{rate}").format(rate=_pct_text(data.first_item_rate)),
        _("R-S4：已召开的中心组学习会中，议程含“第一议题”的场次占比。"),
        _bar(
            [line.name for line in by_first.items],
            [
                {
                    "name": _("第一议题落实率"),
                    "type": "bar",
                    "data": [_pct(_rate(line.sum("first_item"), line.sum("held"))) for line in by_first.items],
                }
            ],
            percent=True,
        ),
        [_("单位"), _("已召开学习会"), _("含第一议题"), _("落实率")],
        [
            [
                line.label,
                line.sum("held"),
                line.sum("first_item"),
                _pct_text(_rate(line.sum("first_item"), line.sum("held"))),
            ]
            for line in by_first.items
        ],
        empty=not held,
        note=by_first.note,
    )
    led = Chart(
        "secretary_led",
        _("书记领学占比：{rate}").format(rate=_pct_text(data.secretary_led_rate)),
        _("R-S12：已召开的中心组学习会中，由当日中心组组长（党委书记）领学的场次占比。"),
        _bar(
            [line.name for line in by_led.items],
            [
                {
                    "name": _("书记领学占比"),
                    "type": "bar",
                    "data": [_pct(_rate(line.sum("secretary_led"), line.sum("held"))) for line in by_led.items],
                }
            ],
            percent=True,
        ),
        [_("单位"), _("已召开学习会"), _("书记领学"), _("占比")],
        [
            [
                line.label,
                line.sum("held"),
                line.sum("secretary_led"),
                _pct_text(_rate(line.sum("secretary_led"), line.sum("held"))),
            ]
            for line in by_led.items
        ],
        empty=not held,
        note=by_led.note,
    )
    postponed = Chart(
        "postponements",
        _("学习会改期情况"),
        _("R-S11：本年度中心组学习会中改期一次、改期两次及以上（一再推迟）的场次。"),
        _bar(
            [line.name for line in by_postponed.items],
            [
                {
                    "name": _("改期1次"),
                    "type": "bar",
                    "stack": "p",
                    "data": [line.sum("rescheduled_once") for line in by_postponed.items],
                    "color": "#d4a72c",
                },
                {
                    "name": _("改期2次及以上"),
                    "type": "bar",
                    "stack": "p",
                    "data": [line.sum("rescheduled_twice_or_more") for line in by_postponed.items],
                    "color": "#cf222e",
                },
            ],
        ),
        [_("单位"), _("本年度学习会"), _("改期1次"), _("改期2次及以上")],
        [
            [line.label, line.sum("scheduled"), line.sum("rescheduled_once"), line.sum("rescheduled_twice_or_more")]
            for line in by_postponed.items
        ],
        empty=not (data.total("rescheduled_once") or data.total("rescheduled_twice_or_more")),
        empty_text=_("本年度中心组学习会均未改期。") if data.total("scheduled") else _("本期间暂无数据。"),
        note=by_postponed.note,
    )
    if len(units) == 1:
        # The unit page lists the rescheduled sessions themselves (R-S11), each leading to its record.
        postponed.links = [
            (_("{title}（{date}，改期{count}次）").format(
                title=p.title, date=_cn_date(p.starts_at), count=p.reschedules),
             reverse("study:session_detail", args=[p.pk]))
            for row in data.rows
            for p in row.postponed
        ]  # fmt: skip
    return [first, led, postponed]


def _calibrated_by_unit(report: calibration.Report) -> dict[int, list[float]]:
    """R-O18: each unit's calibrated scores (raw where its team cannot be compared)."""
    values: dict[int, list[float]] = {}
    for row in report.visits:
        value = row.calibrated if row.calibrated is not None else row.raw
        values.setdefault(row.visit.unit_id, []).append(float(value))
    return values


def score_charts(units: list[Organization], year: int, *, shown: groups.Plan | None = None) -> list[Chart]:
    data = metrics.scores(units, year)
    # R-O18: the teams are compared over every scored visit of the year, whichever units are shown.
    report = calibration.year_report(Visit.objects.all(), year)
    calibrated_values = _calibrated_by_unit(report)

    def average(line: groups.Line[tuple[Organization, metrics.ScorePoint]]) -> Decimal | None:
        """The line's mean composite score: its scores' sum ÷ their count, as `metrics._point` rounds it."""
        count = sum(p.count for _unit, p in line.rows)
        return (sum(p.total for _unit, p in line.rows) / count).quantize(Decimal("0.1")) if count else None

    def calibrated(line: groups.Line[tuple[Organization, metrics.ScorePoint]]) -> float | None:
        values = [v for u, _p in line.rows for v in calibrated_values.get(u.pk, [])]
        return round(sum(values) / len(values), 1) if values else None

    def avg(value: Decimal | None) -> float | None:
        return float(value) if value is not None else None

    def lowest(line: groups.Line[tuple[Organization, metrics.ScorePoint]]) -> tuple[bool, Decimal]:
        value = average(line)
        return (value is None, value or Decimal(0))

    lines = groups.lines(shown or groups.plan(units), data.by_unit, worst=lowest, unit=lambda pair: pair[0])
    averages = [(line, average(line), calibrated(line)) for line in lines.items]

    by_unit = Chart(
        "scores_unit",
        _("综合评分（按单位）"),
        _("R-O18：本年度已填报的列席旁听记录综合评分的平均值（百分制）；校准后均分扣除了各旁听小组的宽严度。"),
        _bar(
            [line.name for line in lines.items],
            [
                {"name": _("平均综合评分"), "type": "bar", "data": [avg(mean) for _line, mean, _c in averages]},
                {"name": _("校准后均分"), "type": "bar", "data": [c for _line, _mean, c in averages]},
            ],
        ),
        [_("单位"), _("记录数"), _("平均综合评分"), _("校准后均分")],
        [
            [
                line.label,
                sum(p.count for _unit, p in line.rows),
                mean if mean is not None else "—",
                c if c is not None else "—",
            ]
            for line, mean, c in averages
        ],
        empty=not any(p.count for _unit, p in data.by_unit),
        note=lines.note,
    )
    teams = Chart(
        "team_severity",
        _("旁听小组宽严度"),
        _("R-O18：各旁听小组的评分比平均小组高（偏宽）或低（偏严）多少分，及其置信区间。") + report.sentence,
        _bar(
            [t.label for t in report.teams if t.severity is not None],
            [
                {
                    "name": _("宽严度"),
                    "type": "bar",
                    "data": [round(t.severity or 0.0, 1) for t in report.teams if t.severity is not None],
                }
            ],
        ),
        [_("旁听小组"), _("旁听次数"), _("宽严度（分）"), _("置信区间"), _("判断")],
        [
            [
                t.label,
                t.visits,
                "—" if t.severity is None else round(t.severity, 1),
                "—" if t.low is None or t.high is None else f"{t.low:.1f} – {t.high:.1f}",
                t.direction,
            ]
            for t in report.teams
        ],
        empty=not any(t.severity is not None for t in report.teams),
        empty_text=report.sentence,
        links=[(_("评分校准详情"), reverse("analysis:calibration") + f"?year={year}")],
    )
    line_style = {"type": "line", "connectNulls": True}
    over_time = Chart(
        "scores_time",
        _("综合评分（随时间变化）"),
        _("R-O18：按被旁听学习会所在月份统计本年度的平均综合评分；下表另列近三年各学期的平均分。"),
        _base(
            legend={"show": False},
            xAxis=_category_axis([str(p.label) for p in data.by_month]),
            yAxis={"type": "value", "min": 0, "max": 100},
            series=[{**line_style, "name": _("平均综合评分"), "data": [avg(p.average) for p in data.by_month]}],
        ),
        [_("期间"), _("记录数"), _("平均综合评分")],
        [[p.label, p.count, p.average if p.average is not None else "—"] for p in [*data.by_month, *data.by_semester]],
        empty=not any(p.count for p in data.by_month),
    )
    return [by_unit, over_time, teams] if len(units) > 1 else [by_unit, over_time]


# The cross-observation matrix must show every unit's name at 18 units and at 60 (issue 16):
# one band per row of at least ROW_PX, the chart as tall as its rows, names truncated with the
# full "host ← visitor" in each cell's tooltip, column names rotated, and past ZOOM_COLUMNS
# columns a horizontal dataZoom showing ZOOM_COLUMNS at a time.
ROW_PX = 24
ZOOM_COLUMNS = 24
ROW_LABEL_PX = 120
COLUMN_LABEL_PX = 96
MATRIX_TOP = 40
VISUAL_MAP_PX = 40
ZOOM_PX = 34
# Past this many cells (a 60-unit group, issue 16) the heatmap carries only the sittings, not every
# empty cell, and the table lists the pairs that sat in instead of a units × units grid (issue 15):
# both then grow with the units and the cross-observations, not with their square.
DENSE_CELLS = 60 * 60


def cross_matrix_option(
    hosts: list[Organization], visitors: list[Organization], cells: dict[tuple[int, int], int]
) -> tuple[dict[str, Any], int]:
    """The heatmap option of one cross-observation matrix and the chart height it needs (px)."""
    return _heatmap([(o.pk, o.display_name) for o in hosts], [(o.pk, o.display_name) for o in visitors], cells)


def _heatmap(
    hosts: list[tuple[int, str]], visitors: list[tuple[int, str]], cells: dict[tuple[int, int], int]
) -> tuple[dict[str, Any], int]:
    """The heatmap of (key, name) rows × columns whose `cells` count the sittings of (row, column) keys."""
    zoom = len(visitors) > ZOOM_COLUMNS
    rotate = 90 if zoom else 45
    # Rotated column names take their width times sin(rotate) below the grid (containLabel).
    label_room = COLUMN_LABEL_PX if rotate == 90 else int(COLUMN_LABEL_PX * 0.71) + 8
    bottom = VISUAL_MAP_PX + (ZOOM_PX if zoom else 0)
    height = max(320, MATRIX_TOP + bottom + label_room + 28 + ROW_PX * len(hosts))
    bottom += 22  # the columns' axis name under their labels
    truncate = {"interval": 0, "overflow": "truncate", "ellipsis": "…", "hideOverlap": False}
    data: list[dict[str, Any]] = []
    if len(hosts) * len(visitors) <= DENSE_CELLS:
        for h, (host_key, host) in enumerate(hosts):
            for v, (visitor_key, visitor) in enumerate(visitors):
                count = cells.get((host_key, visitor_key), 0)
                item: dict[str, Any] = {"value": [v, h, count], "name": f"{host} ← {visitor}"}
                if not count:
                    item["label"] = {"show": False}  # only the sittings are written in the cells
                data.append(item)
    else:
        row = {key: (i, name) for i, (key, name) in enumerate(hosts)}
        column = {key: (i, name) for i, (key, name) in enumerate(visitors)}
        for (host_key, visitor_key), count in sorted(cells.items()):
            if count and host_key in row and visitor_key in column:
                (h, host), (v, visitor) = row[host_key], column[visitor_key]
                data.append({"value": [v, h, count], "name": f"{host} ← {visitor}"})
    option = _base(
        tooltip={"trigger": "item", "renderMode": "richText"},
        grid={"left": 8, "right": 32, "top": MATRIX_TOP, "bottom": bottom, "containLabel": True},
        xAxis={
            "type": "category",
            "data": [name for _key, name in visitors],
            "name": _("列席单位"),
            "nameLocation": "middle",
            "nameGap": label_room + 4,
            "splitArea": {"show": True},
            "axisLabel": {**truncate, "rotate": rotate, "width": COLUMN_LABEL_PX},
        },
        yAxis={
            "type": "category",
            "data": [name for _key, name in hosts],
            "name": _("邀请单位"),
            "nameLocation": "start",  # above the first row (the axis is inverted)
            "inverse": True,  # the first unit on top, as in the table
            "splitArea": {"show": True},
            "axisLabel": {**truncate, "width": ROW_LABEL_PX},
        },
        visualMap={
            "min": 0,
            "max": max([1, *cells.values()]),
            "calculable": False,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "itemHeight": 80,
            "inRange": {"color": ["#f6f7f9", "#b71c1c"]},
        },
        series=[
            {
                "name": _("列席次数"),
                "type": "heatmap",
                "data": data,
                "label": {"show": True, "fontSize": 11},
            }
        ],
    )
    if zoom:
        option["dataZoom"] = [
            {"type": "slider", "xAxisIndex": 0, "startValue": 0, "endValue": ZOOM_COLUMNS - 1,
             "bottom": VISUAL_MAP_PX, "height": 18, "labelFormatter": ""},
            {"type": "inside", "xAxisIndex": 0, "zoomOnMouseWheel": False, "moveOnMouseWheel": True},
        ]  # fmt: skip
    return option, height


def _cross_table(matrix: metrics.CrossMatrix) -> tuple[list[str], list[list[Any]]]:
    """The matrix's numbers as a table: the grid while it is small, else one line per host–visitor pair that sat in."""
    if len(matrix.hosts) * len(matrix.visitors) <= DENSE_CELLS:
        return (
            [_("邀请单位 \\ 列席单位"), *[o.display_name for o in matrix.visitors]],
            [[h.display_name, *[matrix.cells.get((h.pk, v.pk), 0) for v in matrix.visitors]] for h in matrix.hosts],
        )
    position = {o.pk: i for i, o in enumerate(matrix.hosts)}
    names = {o.pk: o.display_name for o in [*matrix.hosts, *matrix.visitors]}
    pairs = sorted(
        (pair for pair, count in matrix.cells.items() if count),
        key=lambda pair: (position.get(pair[0], len(position)), position.get(pair[1], len(position))),
    )
    return (
        [_("邀请单位"), _("列席单位"), _("列席次数")],
        [[names[host], names[visitor], matrix.cells[(host, visitor)]] for host, visitor in pairs],
    )


CROSS_RULE = gettext_lazy(
    "R-O13：每个单位每学期至少邀请其他单位书记或副书记列席一次，并至少列席其他单位一次；"
    "行是邀请单位，列是列席单位，数字为已列席次数。"
)
OUTSIDE = 0  # the grouped matrix's key for the partners outside every group (no organization has pk 0)


def cross_charts(
    units: list[Organization], year: int, semester: int | None, *, shown: groups.Plan | None = None
) -> list[Chart]:
    """R-O13 per semester: the units × units matrix up to `groups.LIMIT` units, past it the groups ×
    groups matrix, or the units with the fewest sittings when the set cannot be grouped (issue 15)."""
    shown = shown or groups.plan(units)
    if shown.mode == groups.GROUPS:
        return _cross_group_charts(units, year, semester, shown)
    if shown.mode == groups.LAGGARDS:
        return _cross_laggard_charts(units, year, semester, shown)
    charts = []
    for matrix in metrics.cross_matrices(units, year):
        if semester and matrix.semester != semester:
            continue
        option, height = cross_matrix_option(matrix.hosts, matrix.visitors, matrix.cells)
        headers, rows = _cross_table(matrix)
        charts.append(
            Chart(
                f"cross_{matrix.semester}",
                _("交叉旁听矩阵（{semester}）").format(semester=matrix.label),
                str(CROSS_RULE),
                option,
                headers,
                rows,
                empty=not matrix.total,
                empty_text=_("本学期暂无已列席的交叉旁听。"),
                height=height,
            )
        )
    return charts


def _cross_group_charts(units: list[Organization], year: int, semester: int | None, shown: groups.Plan) -> list[Chart]:
    """Groups × groups: each sitting counts in (host's group, visitor's group), summed in the database.

    A side belongs to the group whose organization holds it (its path starts with the group's);
    a partner in none of the groups counts in one "other units" row and column.
    """
    depth = len(shown.root) + PATH_STEP
    where = {g.org.path: g.org.pk for g in shown.groups}  # a path prefix of `depth`, or the root unit's path
    counted = metrics.cross_by_prefix(units, year, depth)
    lines = [groups.Line(g.org, [], g.url) for g in shown.groups]
    other = _("其他单位")
    charts = []
    for number in (1, 2):
        if semester and number != semester:
            continue
        cells: Counter[tuple[int, int]] = Counter()
        for (at, host, visitor), sittings in counted.items():
            if at == number:
                cells[(where.get(host, OUTSIDE), where.get(visitor, OUTSIDE))] += sittings
        axis = [(line.org.pk, line.name) for line in lines]
        labels = [line.label for line in lines]
        if any(OUTSIDE in pair for pair in cells):
            axis.append((OUTSIDE, other))
            labels.append(other)
        option, height = _heatmap(axis, axis, dict(cells))
        label = metrics.semester_label(year, number)
        charts.append(
            Chart(
                f"cross_{number}",
                _("交叉旁听矩阵（{semester}）").format(semester=label),
                str(CROSS_RULE),
                option,
                [_("邀请单位 \\ 列席单位"), *[name for _key, name in axis]],
                [[first, *[cells[(h, v)] for v, _name in axis]] for first, (h, _n) in zip(labels, axis, strict=True)],
                empty=not sum(cells.values()),
                empty_text=_("本学期暂无已列席的交叉旁听。"),
                height=height,
                note=_(
                    "共{total}个单位，按{count}个下级组织汇总：每次列席计入邀请单位和列席单位各自所属的组织，"
                    "不属于这些组织的单位合计为“其他单位”；点击组织名称可查看其下各单位。"
                ).format(total=shown.total, count=len(shown.groups)),
            )
        )
    return charts


def _cross_laggard_charts(
    units: list[Organization], year: int, semester: int | None, shown: groups.Plan
) -> list[Chart]:
    """No units × units matrix: the units furthest from R-O13 (both requirements unmet first, then
    the fewest sittings as host and visitor), each with its invited and visited counts."""
    counted = metrics.cross_counts(units, year)
    charts = []
    for number in (1, 2):
        if semester and number != semester:
            continue
        rows = counted[number]
        lines = groups.lines(shown, rows, worst=lambda line: (-line.sum("missing"), line.sum("total")))
        charts.append(
            Chart(
                f"cross_{number}",
                _("交叉旁听（{semester}）").format(semester=metrics.semester_label(year, number)),
                _(
                    "R-O13：每个单位每学期至少邀请其他单位书记或副书记列席一次，并至少列席其他单位一次；"
                    "按单位列出已列席的邀请次数和列席次数。"
                ),
                _bar(
                    [line.name for line in lines.items],
                    [
                        {
                            "name": _("邀请他单位列席次数"),
                            "type": "bar",
                            "data": [line.sum("hosted") for line in lines.items],
                        },
                        {
                            "name": _("列席他单位次数"),
                            "type": "bar",
                            "data": [line.sum("visited") for line in lines.items],
                        },
                    ],
                ),
                [_("单位"), _("邀请他单位列席次数"), _("列席他单位次数")],
                [[line.label, line.sum("hosted"), line.sum("visited")] for line in lines.items],
                empty=not any(row.total for row in rows),
                empty_text=_("本学期暂无已列席的交叉旁听。"),
                note=lines.note,
            )
        )
    return charts


def rectification_charts(units: list[Organization], year: int, today: dt.date) -> list[Chart]:
    data = metrics.rectifications(units, year, today)
    status = Chart(
        "rect_status",
        _("整改事项状态：共{total}项，逾期未完成{overdue}项").format(total=data.total, overdue=data.overdue),
        _("R-O10：本年度巡听旁听反馈问题形成的整改事项，按当前状态统计，跟踪至验收。"),
        _base(
            tooltip={"trigger": "item", "renderMode": "richText"},
            legend={"top": 0},
            series=[
                {
                    "name": _("整改事项"),
                    "type": "pie",
                    "radius": ["35%", "65%"],
                    "top": 24,
                    "data": [{"name": str(label), "value": count} for _status, label, count in data.by_status],
                }
            ],
        ),
        [_("状态"), _("事项数")],
        [[label, count] for _status, label, count in data.by_status],
        empty=not data.total,
    )
    ageing = Chart(
        "rect_ageing",
        _("未完成整改事项的时长"),
        _("R-O10：整改中或退回重改的事项，自提出之日起已经过的自然日数。"),
        _bar([str(label) for label, _n in data.ageing],
             [{"name": _("未完成事项"), "type": "bar", "data": [n for _label, n in data.ageing], "color": "#cf222e"}]),
        [_("已开放时长"), _("事项数")],
        [[label, n] for label, n in data.ageing],
        empty=not any(n for _label, n in data.ageing),
        empty_text=_("没有未完成的整改事项。"),
    )  # fmt: skip
    return [status, ageing]


def frequency_chart(units: list[Organization], year: int, minimum: int, *, shown: groups.Plan | None = None) -> Chart:
    rows = metrics.frequency(units, year, minimum)
    shown = shown or groups.plan(units)
    # Per group: the units' visits and their own shortfalls and surpluses added up (R-O17 counts each
    # unit against its minimum); the laggards: the most semesters below the minimum, then the fewest visits.
    lines = groups.lines(shown, rows, worst=lambda line: (-line.sum("below_minimum"), line.sum("total")))

    def semester(line: groups.Line[metrics.FrequencyRow], s: int) -> int:
        return sum(r.by_semester[s - 1] for r in line.rows)

    def mode(line: groups.Line[metrics.FrequencyRow], m: str) -> int:
        return sum(r.by_mode[m] for r in line.rows)

    labels = [line.name for line in lines.items]
    series = [
        {"name": f"{SEMESTERS[s]}", "type": "bar", "data": [semester(line, s) for line in lines.items]} for s in (1, 2)
    ]
    if shown.mode != groups.GROUPS:  # the minimum is each unit's: a group's sum is not held against it
        series[0]["markLine"] = _threshold_line(minimum, _("每学期最低{count}次").format(count=minimum))
    return Chart(
        "frequency",
        _("旁听频次（超出最低要求{count}次）").format(count=sum(r.beyond_minimum for r in rows)),
        _(
            "R-O17：各单位每学期被巡听旁听的次数与最低要求（R-O12：每学期至少{count}次）比较，"
            "超出部分逐学期计算；另按固定式、随机式、应邀式（R-O2）分列。"
        ).format(count=minimum),
        _bar(labels, series),
        [
            _("单位"),
            _("春季学期"),
            _("秋季学期"),
            _("固定式"),
            _("随机式"),
            _("应邀式"),
            _("超出最低要求"),
            _("未达最低要求的学期"),
        ],
        [
            [
                line.label,
                semester(line, 1),
                semester(line, 2),
                mode(line, "planned"),
                mode(line, "random"),
                mode(line, "invited"),
                line.sum("beyond_minimum"),
                line.sum("below_minimum"),
            ]
            for line in lines.items
        ],
        empty=not rows,
        empty_text=_("没有可统计的单位。"),
        note=lines.note,
    )


def min_visits_per_semester(values: dict[str, dict[str, Any]] | None = None) -> int:
    """R-O12's minimum as the deployment set it (the rule-parameter registry), for R-O17."""
    values = compliance_services.all_parameters() if values is None else values
    configured = values.get("R-O12", {}).get("min_per_semester")
    return configured if isinstance(configured, int) and configured > 0 else metrics.DEFAULT_MIN_VISITS_PER_SEMESTER


def build_charts(
    units: list[Organization],
    year: int,
    *,
    semester: int | None = None,
    link: Callable[[Organization], str] | None = None,
) -> list[Chart]:
    """Every chart of the dashboard for these units and year (a fixed number of queries).

    Past `groups.LIMIT` units the per-unit charts show groups (each linked by `link`) or the laggards.
    """
    today = clock.today()
    values = compliance_services.all_parameters()  # one query for every rule parameter
    shown = groups.plan(units, link)
    counted = study_figures.figures([unit.pk for unit in units], year)  # read once for three charts
    return [
        coverage_chart(units, year, start=int(values["R-O11"]["round_start_year"]), shown=shown),
        timeliness_chart(units, year, today, counted),
        participation_chart(units, year, shown=shown, counted=counted),
        *session_charts(units, year, shown=shown, counted=counted),
        *score_charts(units, year, shown=shown),
        *cross_charts(units, year, semester, shown=shown),
        *rectification_charts(units, year, today),
        frequency_chart(units, year, min_visits_per_semester(values), shown=shown),
    ]


def chart_options(charts: list[Chart]) -> dict[str, Any]:
    return {c.id: c.option for c in charts if not c.empty}
