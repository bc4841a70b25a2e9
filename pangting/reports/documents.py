"""The bulletin (通报) and the annual summary (年度总结) as GB/T 9704 Word documents (R-O15).

Each document has a few sections of text the supervisor edits before issuing; the drafted
default of each section is written here from the figures (`draft_sections`). The figures
themselves are also printed as tables in the attachments, which the editor cannot change,
so every figure reaches paper whatever the text says. A version is rendered the same way
every time from what it stores (figures, sections, number, date).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_noop

from pangting.lib.gbt9704 import Cell, OfficialDocumentBuilder, format_cn_date, format_doc_number
from pangting.observation.models import Mode
from pangting.observation.services import supervisor_issuer
from pangting.orgs.models import Organization

from .figures import Figures
from .models import DocumentKind, ReportDocument, ReportVersion

# Section headings of the Chinese documents; pages translate them (gettext_noop lists them for the catalog).
SECTIONS: dict[str, list[tuple[str, str]]] = {
    DocumentKind.BULLETIN: [
        ("overview", gettext_noop("基本情况")),
        ("practices", gettext_noop("主要做法和成效")),
        ("problems", gettext_noop("存在的问题")),
        ("requirements", gettext_noop("下一步工作要求")),
    ],
    DocumentKind.SUMMARY: [
        ("overview", gettext_noop("基本情况")),
        ("practices", gettext_noop("主要做法")),
        ("problems", gettext_noop("存在问题")),
        ("plans", gettext_noop("下一步打算")),
    ],
}
UNIT_TABLE_TITLE = "各单位理论学习中心组学习情况统计表"
FIGURES_TABLE_TITLE = "巡听旁听工作主要数据"
# The series letter of each kind's document number: X宣通〔2026〕1号, X宣报〔2026〕1号.
SERIES_LETTER = {DocumentKind.BULLETIN: "通", DocumentKind.SUMMARY: "报"}


def modes_in_order(f: Figures) -> list[tuple[str, int]]:
    """(label, count) of the three modes in their fixed order (R-O2); JSON storage may reorder keys."""
    return [(str(mode.label), f["visits_by_mode"].get(mode.value, 0)) for mode in Mode]


def section_keys(kind: str) -> list[str]:
    return [key for key, _label in SECTIONS[kind]]


def document_issuers(document: ReportDocument) -> list[str]:
    """Every issuer of the document, the propaganda department first, then the partner departments
    that co-signed it (联合行文, R-O21), one per line of the GB/T 9704 masthead and signature."""
    partners = (
        document.cosignatures.filter(deleted_at__isnull=True).order_by("partner").values_list("issuer_name", flat=True)
    )
    return [supervisor_issuer(document.organization), *partners]


def series_abbr(organization: Organization, kind: str) -> str:
    """The document code of a series, from the code letters use: 温职宣函 → 温职宣通 (bulletins)."""
    base = (organization.doc_abbr or "宣函").removesuffix("函")
    return base + SERIES_LETTER[kind]


def document_number(organization: Organization, kind: str, year: int, seq: int) -> str:
    return format_doc_number(series_abbr(organization, kind), year, seq)


def period_text(figures: Figures) -> str:
    semester = figures["semester"]
    year = figures["year"]
    if semester == 1:
        return f"{year}年春季学期"
    if semester == 2:
        return f"{year}年秋季学期"
    return f"{year}年"


def default_title(kind: str, year: int, semester: int | None) -> str:
    if kind == DocumentKind.SUMMARY:
        return f"关于{year}年度理论学习中心组学习巡听旁听工作情况的报告"
    period = {1: f"{year}年春季学期", 2: f"{year}年秋季学期"}.get(semester or 0, f"{year}年")
    return f"关于{period}理论学习中心组学习情况的通报"


# --- figures in words ---------------------------------------------------------------------


def _score_text(f: Figures) -> str:
    if not f["score_count"]:
        return "尚无已填报的列席旁听记录，暂无综合评分。"
    return f"{f['score_count']}份记录的综合评分平均{f['score_avg']}分，最高{f['score_max']}分，最低{f['score_min']}分。"


def _visits_text(f: Figures) -> str:
    if not f["visits_total"]:
        return f"{period_text(f)}尚未开展巡听旁听，二级党组织共{f['units_total']}个。" + _score_text(f)
    modes = "、".join(f"{label}{count}次" for label, count in modes_in_order(f))
    text = (
        f"{period_text(f)}共安排巡听旁听{f['visits_total']}次（{modes}），已完成旁听{f['visits_observed']}次，"
        f"覆盖二级党组织{f['units_observed']}个（共{f['units_total']}个）；"
        f"填报列席旁听记录{f['records_filed']}份，其中按时填报{f['records_on_time']}份。"
    )
    return text + _score_text(f)


def _sessions_text(f: Figures) -> str:
    if not f["sessions_held"]:
        return "各单位尚无已召开的中心组集体学习记录。"
    participation = f"成员参学率{f['participation']}" if f["participation"] else "尚无考勤记录"
    return (
        f"各单位理论学习中心组共开展集体学习{f['sessions_held']}次，其中书记领学{f['sessions_led_by_secretary']}次，"
        f"书记领学占比{f['secretary_led_share']}；{participation}。"
    )


def _practices_text(f: Figures) -> str:
    if not f["practices_found"]:
        return "巡听旁听中尚未收集典型经验做法。"
    lines = "；".join(f"{p['unit']}“{p['title']}”" for p in f["practice_lines"])
    return (
        f"巡听旁听中发现并收集典型经验做法{f['practices_found']}项，已推广{f['practices_promoted']}项，"
        f"{f['replicating_units']}个单位借鉴推广{f['replications']}次。主要有：{lines}。"
    )


def _problems_text(f: Figures) -> str:
    if not f["feedback_issued"]:
        return "尚未印发巡听旁听反馈意见。"
    found = sorted((p for p in f["problems_by_point"] if p["count"]), key=lambda p: -p["count"])
    if not found:
        return f"印发反馈意见{f['feedback_issued']}份，对照问题清单11个方面，未发现明显问题。"
    listed = "、".join(f"“{p['label']}”（{p['count']}次）" for p in found)
    total = sum(p["count"] for p in found)
    return f"印发反馈意见{f['feedback_issued']}份，对照问题清单11个方面共指出问题{total}个，主要集中在{listed}。"


def _rectification_text(f: Figures) -> str:
    if not f["rectification_total"]:
        return "暂无整改事项。"
    text = (
        f"共形成整改事项{f['rectification_total']}项，已验收{f['rectification_verified']}项，"
        f"整改中{f['rectification_in_progress']}项，其中逾期未完成{f['rectification_overdue']}项。"
    )
    escalated = f.get("rectification_escalated") or []
    if escalated:  # R-O10: the last escalation step is a line in the next bulletin
        named = "；".join(
            f"{line['unit']}“{line['problem']}”（已逾期{line['overdue_days']}个工作日）" for line in escalated
        )
        text += f"\n经督办仍逾期未完成、予以通报的整改事项：{named}。"
    return text


def _not_observed_text(f: Figures) -> str:
    if not f["units_not_observed"]:
        return ""
    return f"尚未旁听的{len(f['units_not_observed'])}个单位：{'、'.join(f['units_not_observed'])}。"


def draft_sections(kind: str, f: Figures) -> dict[str, str]:
    """The drafted text of each section, from the figures; the supervisor edits it before issuing."""
    overview = "\n".join(filter(None, [_visits_text(f), _sessions_text(f), _not_observed_text(f)]))
    practices = "\n".join(
        [
            "各单位坚持把学习贯彻党的创新理论作为首要政治任务，落实“第一议题”制度，"
            "围绕年度学习计划开展专题学习和交流研讨。",
            _practices_text(f),
        ]
    )
    problems = "\n".join([_problems_text(f), _rectification_text(f)])
    if kind == DocumentKind.BULLETIN:
        return {
            "overview": overview,
            "practices": practices,
            "problems": problems,
            "requirements": (
                "各单位要严格落实理论学习中心组学习制度，坚持书记领学，保证参学率，做到学习有计划、有记录、有总结。\n"
                "对反馈意见指出的问题，要逐条制定整改措施、明确责任人和整改时限，整改情况及时报送党委宣传部。\n"
                "要及时总结报送典型经验做法，相互学习借鉴，推动学习成果转化为推进工作的实际成效。"
            ),
        }
    plans = (
        "下一年度将制定巡听旁听计划，确保每两年对所有二级党组织全覆盖，每学期对联系单位至少旁听一次。\n"
        "加强反馈问题整改的跟踪督办，推广典型经验做法，将巡听旁听结果运用于意识形态工作责任制考核。"
    )
    if f["units_not_observed"]:
        plans = f"优先安排对尚未旁听的{len(f['units_not_observed'])}个单位开展巡听旁听。\n" + plans
    return {"overview": overview, "practices": practices, "problems": problems, "plans": plans}


# --- tables --------------------------------------------------------------------------------


def unit_rows(f: Figures) -> list[list[str | Cell]]:
    """序号, 单位, 集体学习, 书记领学, 参学率, 巡听旁听, 综合评分 — with a total line."""
    rows: list[list[str | Cell]] = [["序号", "单位", "集体学习次数", "书记领学次数", "参学率", "巡听旁听", "综合评分"]]
    for number, unit in enumerate(f["units"], start=1):
        rows.append(
            [
                str(number),
                Cell(unit["name"], align="left"),
                str(unit["sessions_held"]),
                str(unit["led_by_secretary"]),
                unit["participation"] or "暂无考勤",
                f"已旁听{unit['visits']}次" if unit["observed"] else "未旁听",
                unit["score"] or "暂无评分",
            ]
        )
    if not f["units"]:
        rows.append([Cell("暂无二级党组织", colspan=7)])
    else:
        rows.append(
            [
                Cell("合计", colspan=2),
                str(f["sessions_held"]),
                str(f["sessions_led_by_secretary"]),
                f["participation"] or "暂无考勤",
                f"{f['units_observed']}个单位",
                f["score_avg"] or "暂无评分",
            ]
        )
    return rows


def figure_rows(f: Figures) -> list[list[str | Cell]]:
    """Every figure of the document, one line each, in words where there is none."""
    none = "暂无"
    rows: list[list[str | Cell]] = [[Cell("项目", colspan=2), "数据"]]

    def add(group: str, label: str, value: str) -> None:
        rows.append([group, Cell(label, align="left"), value])

    add("覆盖", "二级党组织", f"{f['units_total']}个")
    add("覆盖", "已旁听单位", f"{f['units_observed']}个")
    add("巡听旁听", "安排次数", f"{f['visits_total']}次")
    for label, count in modes_in_order(f):
        add("巡听旁听", label, f"{count}次")
    add("巡听旁听", "已完成旁听", f"{f['visits_observed']}次")
    add("记录", "列席旁听记录", f"{f['records_filed']}份")
    add("记录", "按时填报", f"{f['records_on_time']}份")
    add("综合评分", "平均分", f"{f['score_avg']}分" if f["score_avg"] else none)
    add("综合评分", "最高分", f"{f['score_max']}分" if f["score_max"] else none)
    add("综合评分", "最低分", f"{f['score_min']}分" if f["score_min"] else none)
    add("典型经验", "收集做法", f"{f['practices_found']}项")
    add("典型经验", "已推广", f"{f['practices_promoted']}项")
    add("典型经验", "借鉴推广", f"{f['replications']}次（{f['replicating_units']}个单位）")
    add("集体学习", "中心组集体学习", f"{f['sessions_held']}次")
    add("集体学习", "书记领学", f"{f['sessions_led_by_secretary']}次")
    add("集体学习", "书记领学占比", f["secretary_led_share"] or none)
    add("集体学习", "参学率", f["participation"] or none)
    add("反馈问题", "反馈意见", f"{f['feedback_issued']}份")
    for point in f["problems_by_point"]:
        add("反馈问题", point["label"], f"{point['count']}次")
    add("整改", "整改事项", f"{f['rectification_total']}项")
    add("整改", "已验收", f"{f['rectification_verified']}项")
    add("整改", "整改中", f"{f['rectification_in_progress']}项")
    add("整改", "逾期未完成", f"{f['rectification_overdue']}项")
    return _merge_groups(rows)


def _merge_groups(rows: list[list[str | Cell]]) -> list[list[str | Cell]]:
    """Merge the group column over the lines of one group (a rowspan, as printed tables do)."""
    merged: list[list[str | Cell]] = [rows[0]]
    body = rows[1:]
    index = 0
    while index < len(body):
        group = body[index][0]
        span = 1
        while index + span < len(body) and body[index + span][0] == group:
            span += 1
        merged.append([Cell(str(group), rowspan=span), *body[index][1:]])
        merged.extend(row[1:] for row in body[index + 1 : index + span])
        index += span
    return merged


# --- the Word file -------------------------------------------------------------------------


def version_date(version: ReportVersion) -> dt.date:
    """The date on the document: the day it was issued, or for a draft the day it was last edited."""
    return timezone.localdate(version.issued_at or version.updated_at or version.created_at)


def render_version(document: ReportDocument, version: ReportVersion) -> bytes:
    """The .docx of one version, from what the version stores."""
    f: Figures = version.figures
    organization = document.organization
    mark = "\n".join(document_issuers(document))
    builder = OfficialDocumentBuilder("document", issuer_mark=mark, doc_number=document.number or None)
    builder.title(document.title)
    period = period_text(f)
    if document.kind == DocumentKind.BULLETIN:
        builder.addressee("各二级党组织")
        builder.paragraph(
            f"为深入推进理论学习中心组学习规范化、制度化，党委宣传部对{period}各二级党组织理论学习中心组学习"
            "情况进行了巡听旁听和督促检查。现将有关情况通报如下。"
        )
    else:
        builder.addressee(organization.name)
        builder.paragraph(f"现将{period}理论学习中心组学习巡听旁听工作情况报告如下。")
    for key, label in SECTIONS[document.kind]:
        builder.heading(1, label)
        builder.paragraph(version.section_text(key).strip() or "（无）")
    if document.kind == DocumentKind.SUMMARY:
        builder.paragraph("特此报告。")
    builder.attachments([UNIT_TABLE_TITLE, FIGURES_TABLE_TITLE])
    builder.signature(mark, version_date(version))
    builder.page_break()
    builder.attachment_label(1)
    builder.title(UNIT_TABLE_TITLE)
    builder.paragraph(_period_range(f), indent=False, align="center")
    builder.table(unit_rows(f), [10, 42, 20, 20, 20, 24, 20], font_size_pt=11)
    builder.page_break()
    builder.attachment_label(2)
    builder.title(FIGURES_TABLE_TITLE)
    builder.paragraph(_period_range(f), indent=False, align="center")
    builder.table(figure_rows(f), [30, 76, 50], font_size_pt=11, row_heights_mm=7)
    return builder.to_bytes()


def _period_range(f: Figures) -> str:
    start = dt.date.fromisoformat(f["period_start"])
    end = dt.date.fromisoformat(f["period_end"])
    computed = dt.date.fromisoformat(f["computed_on"])
    return f"统计期间：{format_cn_date(start)}至{format_cn_date(end)}\n数据截至{format_cn_date(computed)}"


def filename(document: ReportDocument, version: ReportVersion) -> str:
    return f"{document.title}（第{version.number}版）.docx"
