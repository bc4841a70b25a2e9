"""The score sheet as an Excel workbook: one row per unit, and a sheet stating the formula (R-O14)."""

from __future__ import annotations

from pangting.lib.xlsx import Sheet

from . import services
from .services import GROUPS, ScoreSheet

GROUP_NAMES = {"S": "学习", "O": "旁听", "B": "支部"}
HEADERS = [
    "排名",
    "单位",
    "实际旁听次数",
    "旁听记录份数",
    "综合评分均分",
    *[f"红色问题（{GROUP_NAMES[g]}）" for g in GROUPS],
    *[f"黄色问题（{GROUP_NAMES[g]}）" for g in GROUPS],
    "述学报告份数",
    "考核得分",
    "说明",
]


def sheets(sheet: ScoreSheet) -> list[Sheet]:
    rows = sorted(sheet.rows, key=lambda r: (r.rank is None, r.rank or 0, r.unit.path))
    scores = Sheet(
        title=f"{sheet.year}年度考核得分",
        headers=HEADERS,
        rows=[
            [
                row.rank,
                row.unit.name,
                row.visits,
                row.records,
                row.obs_score,
                *[row.red[g] for g in GROUPS],
                *[row.amber[g] for g in GROUPS],
                row.reports,
                row.score,
                row.error or ("" if row.observed else "本年度未被旁听"),
            ]
            for row in rows
        ],
        column_widths=[8, 28, 14, 14, 14, *[16] * 6, 14, 12, 40],
    )
    scheme = sheet.scheme
    basis = [
        ["年度", str(sheet.year)],
        ["计算公式", sheet.formula],
        ["方案状态", scheme.get_status_display() if scheme else "未保存方案，使用默认公式"],
        ["方案说明", scheme.description if scheme else services.DEFAULT_DESCRIPTION],
        *[[f"变量 {name}", str(text)] for name, text in services.VARIABLES.items()],
        *[[f"函数 {name}(…)", str(text)] for name, text in services.FUNCTIONS.items()],
    ]
    return [scores, Sheet(title="计算公式与变量", headers=["项目", "内容"], rows=basis, column_widths=[20, 100])]
