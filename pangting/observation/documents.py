"""The documents a visit produces: notice letter (函), record form, written feedback (反馈意见).

Letters follow the GB/T 9704 letter layout; the record follows seed 001 attachment 2.
"""

from __future__ import annotations

from django.utils import timezone

from pangting.core import clock
from pangting.lib.gbt9704 import Cell, OfficialDocumentBuilder, format_cn_date

from .activities import activities_of, line
from .models import CHECKLIST_POINTS, Feedback, ObservationRecord, Semester, TeamMember, Visit
from .services import letter_issuers, reply_rule


def _team_line(visit: Visit) -> str:
    parts = []
    for member in visit.team():
        parts.append(f"{member.get_role_display()}：{member.person.name}（{member.person.post}）")
    return "；".join(parts) or "另行通知"


def _issuer(visit: Visit) -> str:
    org = visit.supervisor_org
    return org.office_name or f"{org.name}宣传部"


def notice_letter(visit: Visit) -> bytes:
    """函告 (R-O4): announce the visit; the unit replies with its session plan within 7 working days.

    A letter co-signed by the level's partner departments (R-O21) names every issuer in the
    masthead and the signature, the propaganda department first (联合行文)."""
    issuers = "\n".join(letter_issuers(visit))
    builder = OfficialDocumentBuilder("letter", issuer_mark=issuers, doc_number=visit.letter_number or None)
    builder.title(f"关于对{visit.unit.name}理论学习中心组学习开展{visit.get_mode_display()}巡听旁听的函")
    builder.addressee(visit.unit.name)
    semester = Semester(visit.semester).label
    month = f"{visit.target_month}月" if visit.target_month else semester
    builder.paragraph(
        f"根据《{visit.year}年度理论学习中心组学习巡听旁听计划》安排，经研究，定于{visit.year}年{month}"
        f"对你单位理论学习中心组集体学习开展巡听旁听。现将有关事项函告如下。"
    )
    builder.heading(1, "巡听旁听组成员")
    builder.paragraph(_team_line(visit) + "。")
    builder.heading(1, "巡听旁听内容")
    builder.paragraph(
        visit.focus
        or "重点了解中心组学习党的创新理论、落实“第一议题”制度、学习原著原文、结合实际交流研讨、"
        "形成解决问题推进工作的办法举措等情况；同时调阅学习计划、学习记录、考勤等资料。"
    )
    builder.heading(1, "有关要求")
    rule = reply_rule()
    unit_text = "个工作日" if rule.unit == "working" else "日"
    builder.paragraph(
        f"请你单位在收到本函后{rule.amount}{unit_text}内，与巡听旁听组商定学习会具体时间、地点，"
        "并报送学习会方案（含学习时间、地点、主题及内容、主持人、参加人员、议程、联系人及联系电话）。"
    )
    if visit.reply_due:
        builder.paragraph(f"回复截止日期：{format_cn_date(visit.reply_due)}。")
    builder.paragraph("特此函告。")
    builder.attachments([SESSION_PLAN_TITLE])
    builder.signature(issuers, timezone.localdate(visit.letter_issued_at or clock.now()))
    builder.page_break()
    builder.attachment_label()
    _blank_session_plan(builder)
    return builder.to_bytes()


# The attachment of seed 000: the form in which the unit reports its session plan (R-O4).
SESSION_PLAN_TITLE = "二级党组织理论学习中心组学习会方案"
SESSION_PLAN_ROWS = ["中心组名称", "学习会时间", "学习会地点", "学习主题内容", "主持人", "参加人员", "议程安排"]


def _blank_session_plan(builder: OfficialDocumentBuilder) -> None:
    """The blank 学习会方案 as seed 000 attaches it: the unit fills it in and sends it back."""
    builder.title(SESSION_PLAN_TITLE)
    builder.paragraph("报送单位（盖章）：", indent=False, align="left")
    rows: list[list[str | Cell]] = [[label, ""] for label in SESSION_PLAN_ROWS]
    builder.table(
        rows,
        [40, 116],
        header_rows=0,
        row_heights_mm=[12, 12, 12, 30, 12, 24, 40],
        align="left",
    )
    builder.paragraph("联系人：　　　　　　　　联系电话：", indent=False, align="left")


def session_plan(visit: Visit) -> bytes:
    """The 学习会方案 the unit sends with its reply (R-O4): the letter's blank form, filled from the session."""
    session = visit.session
    if session is None:
        raise ValueError("a session plan needs the visit's session")
    builder = OfficialDocumentBuilder("form")
    builder.title(SESSION_PLAN_TITLE)
    builder.paragraph(f"报送单位（盖章）：{visit.unit.name}", indent=False, align="left")
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    when = f"{format_cn_date(start.date())} {start:%H:%M}—{end:%H:%M}"
    theme = "\n".join(part for part in (session.title, session.content) if part)
    host = "".join(part for part in (session.host.name if session.host else "", session.host_post) if part)
    agenda = "\n".join(
        f"{number}. {item.title}" + (f"（{item.presenter}）" if item.presenter else "")
        for number, item in enumerate(session.agenda_items.filter(deleted_at__isnull=True).order_by("order"), 1)
    )
    group = session.group.name if session.group else visit.unit.name
    values = [group, when, session.place, theme, host, session.participants_note, agenda]
    rows: list[list[str | Cell]] = [[label, value] for label, value in zip(SESSION_PLAN_ROWS, values, strict=True)]
    builder.table(rows, [40, 116], header_rows=0, align="left")
    contact = session.contact_name or "　　　　　　　　"
    builder.paragraph(f"联系人：{contact}　　联系电话：{session.contact_phone}", indent=False, align="left")
    if visit.reply_notes:
        builder.paragraph(f"商定事项：{visit.reply_notes}", indent=False, align="left")
    return builder.to_bytes()


# Seed 001 附件2: the form's own title, not the unit's name (that goes in 列席旁听单位).
RECORD_FORM_TITLE = "基层党委（党总支）理论学习中心组学习列席旁听记录表"


def record_form(record: ObservationRecord) -> bytes:
    """列席旁听记录表 in the layout of seed 001 attachment 2, filled from the record."""
    visit = record.visit
    session = visit.session
    builder = OfficialDocumentBuilder("form")
    builder.title(RECORD_FORM_TITLE)
    day = format_cn_date(timezone.localdate(session.starts_at)) if session else ""
    builder.paragraph(f"列席旁听单位：{visit.unit.name}　　旁听时间：{day}", indent=False, align="left")
    focus = [
        ("1.组织领导", "有无中心组学习会方案、成员参加率是否达到90%、学习资料准备情况等", record.organization_findings),
        ("2.学习内容", "是否落实“第一议题”，学习具体内容，内容是否专题化等", record.content_findings),
        (
            "3.学习方式",
            "中心组成员研讨发言是否紧扣主题，结合思想实际和工作实际谈认识体会；交流发言人是否有书面发言材料等",
            record.method_findings,
        ),
        (
            "4.学习效果",
            "学习是否做到理论联系实际，切实把学习成效转化为解决实际问题、推动实际工作的能力等",
            record.effect_findings,
        ),
    ]
    rows: list[list[str | Cell]] = [[Cell("旁听重点", colspan=2), "主要情况"]]
    for label, prompt, finding in focus:
        rows.append([label, prompt, finding])
    problems = "\n".join(filter(None, [record.problems, record.suggestions and f"建议：{record.suggestions}"]))
    rows.append([Cell("问题和建议", colspan=2), problems])
    score = "" if record.composite_score is None else f"{record.composite_score}分"
    rows.append([Cell("综合评分", colspan=2), score])
    builder.table(rows, [28, 58, 70], row_heights_mm=[10, 30, 30, 30, 30, 35, 10], align="left")
    # R-O5 who of the team was there; R-O6/R-O19 what the team did besides sitting in.
    team = visit.team()
    if any(m.attended is not None for m in team):
        present = "、".join(m.person.name for m in team if m.attended)
        absent = "、".join(m.person.name for m in team if m.attended is False)
        builder.paragraph(
            f"到场成员：{present or '无'}" + (f"　　缺席：{absent}" if absent else ""), indent=False, align="left"
        )
    done = activities_of(visit)
    if done:
        extra: list[list[str | Cell]] = [["其他旁听工作", "情况"]]
        extra += [[a.kind, line(a)] for a in done]
        builder.table(extra, [36, 120], align="left")
    leader = next((m.person.name for m in visit.team() if m.role == TeamMember.Role.LEADER), "")
    liaison = next((m.person.name for m in visit.team() if m.role == TeamMember.Role.LIAISON), "")
    filed = format_cn_date(timezone.localdate(record.filed_at)) if record.filed_at else ""
    # The leader's sign-off (the signature on the paper form) is the record's confirm step.
    if record.signed_off_at:
        leader = f"{leader}（{format_cn_date(timezone.localdate(record.signed_off_at))}确认）"
    elif leader:
        leader = f"{leader}（待确认）"
    builder.paragraph(
        f"列席旁听组组长：{leader}　　列席旁听组联络员：{liaison}　　填报时间：{filed}", indent=False, align="left"
    )
    return builder.to_bytes()


def feedback_letter(feedback: Feedback) -> bytes:
    """反馈意见 (R-O9): objective, problem-oriented, with the 11-point checklist and suggestions."""
    visit = feedback.visit
    builder = OfficialDocumentBuilder("letter", issuer_mark=_issuer(visit), doc_number=feedback.number or None)
    builder.title(f"关于{visit.unit.name}理论学习中心组学习巡听旁听情况的反馈意见")
    builder.addressee(visit.unit.name)
    day = format_cn_date(timezone.localdate(visit.session.starts_at)) if visit.session else ""
    builder.paragraph(
        f"{day}，巡听旁听组（{_team_line(visit)}）列席了你单位理论学习中心组集体学习。现将有关情况反馈如下。"
    )
    builder.heading(1, "总体情况")
    builder.paragraph(feedback.summary or "（无）")
    builder.heading(1, "存在的问题")
    problems = feedback.problems()
    if problems:
        for _key, label, evidence in problems:
            # A point is a question; its evidence follows after a full stop, not run into it.
            builder.heading(2, f"{label}。", followed_by=evidence)
    else:
        points = "、".join(label for _key, label in CHECKLIST_POINTS)
        builder.paragraph(f"对照{points}等11个方面，未发现明显问题。")
    builder.heading(1, "意见建议")
    builder.paragraph(feedback.suggestions or "（无）")
    if problems:
        builder.paragraph("请你单位针对上述问题，逐条制定整改措施、明确责任人和整改时限，整改情况及时报送党委宣传部。")
    builder.attachments(["巡听旁听问题清单"])
    builder.signature(_issuer(visit), timezone.localdate(feedback.issued_at or clock.now()))
    builder.page_break()
    builder.attachment_label()
    builder.title("巡听旁听问题清单")
    rows: list[list[str | Cell]] = [["序号", "检查要点", "结论", "依据"]]
    for number, (key, label) in enumerate(CHECKLIST_POINTS, start=1):
        point = feedback.checklist.get(key, {})
        rows.append([str(number), label, "存在问题" if point.get("problem") else "良好", point.get("evidence", "")])
    builder.table(rows, [14, 50, 24, 68], font_size_pt=12)
    return builder.to_bytes()
