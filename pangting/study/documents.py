"""The seed forms generated from a session, as Word files in the layout of the originals.

* 学习会方案 (seed 000, attachment): group, time, place, theme and content, host,
  participants, agenda, contact and phone, submitting unit (seal).
* 学习安排报送表 (seed 001, attachment 1): organization (seal), date filed, year and
  number, time and place, group size, host and post, content, speakers with posts and
  outlines (rows), contact and phone, and the note on where the two copies go.

Both use `pangting.lib.gbt9704` in its form layout, which sets the East-Asian font names
(仿宋_GB2312 and friends) on every run, as Word and WPS need them.
"""

from __future__ import annotations

from django.utils import timezone

from pangting.core import clock
from pangting.lib.gbt9704 import Cell, OfficialDocumentBuilder, format_cn_date

from .models import AgendaItem, StudySession
from .parameters import get_parameters
from .services.deliveries import ARRANGEMENT, delivery_of

LABEL_MM = 38
VALUE_MM = 118
MIN_SPEAKER_ROWS = 5  # the seed form leaves five rows for speakers


def session_time_text(session: StudySession) -> str:
    """2026年11月25日 14:30—16:30 (or both dates when the session spans midnight)."""
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    text = f"{format_cn_date(start.date())} {start:%H:%M}—"
    if end.date() != start.date():
        text += f"{format_cn_date(end.date())} "
    return text + f"{end:%H:%M}"


def agenda_text(session: StudySession) -> str:
    lines = []
    for number, item in enumerate(session.agenda_items.all(), start=1):
        label = "第一议题：" if item.kind == AgendaItem.Kind.FIRST_ITEM else ""
        presenter = f"（{item.presenter}）" if item.presenter else ""
        lines.append(f"{number}.{label}{item.title}{presenter}")
    return "\n".join(lines)


def participants_text(session: StudySession) -> str:
    if session.participants_note.strip():
        return session.participants_note.strip()
    names = [a.person.name for a in session.attendances.select_related("person")]
    return "、".join(names)


def host_text(session: StudySession) -> str:
    name = session.host_name
    return f"{name}（{session.host_post}）" if name and session.host_post else name


def content_text(session: StudySession) -> str:
    parts = [session.title]
    if session.content.strip():
        parts.append(session.content.strip())
    if session.lecturer_name:
        post = f"（{session.lecturer_post}）" if session.lecturer_post else ""
        parts.append(f"授课/辅导：{session.lecturer_name}{post}")
    return "\n".join(parts)


def _label(text: str) -> Cell:
    return Cell(text, bold=True, align="center")


def _value(text: str) -> Cell:
    return Cell(text, align="left")


def session_plan_docx(session: StudySession) -> bytes:
    """学习会方案 (seed 000 attachment)."""
    doc = OfficialDocumentBuilder("form")
    doc.attachment_label()
    doc.title("二级党组织理论学习中心组学习会方案")
    doc.paragraph(f"报送单位（盖章）：{session.organization.name}", indent=False)
    group_name = session.group.name if session.group_id else session.organization.name
    rows = [
        [_label("中心组名称"), _value(group_name)],
        [_label("学习会时间"), _value(session_time_text(session))],
        [_label("学习会地点"), _value(session.place)],
        [_label("学习主题内容"), _value(content_text(session))],
        [_label("主持人"), _value(host_text(session))],
        [_label("参加人员"), _value(participants_text(session))],
        [_label("议程安排"), _value(agenda_text(session))],
    ]
    doc.table(rows, [LABEL_MM, VALUE_MM], header_rows=0, font_size_pt=14, row_heights_mm=[14, 14, 14, 30, 14, 26, 50])
    contact = f"联系人：{session.contact_name or '　' * 4}　　　　联系电话：{session.contact_phone}"
    doc.paragraph(contact, indent=False)
    return doc.to_bytes()


def group_size(session: StudySession) -> int:
    """中心组人数: the people of the group on the session's day (leader, deputies, members), not the
    expected attendance of this session; the study secretary keeps the records and is not counted."""
    if session.group is None:
        return 0
    members = session.group.current_members(timezone.localdate(session.starts_at))
    return len({m.person_id for m in members if m.counts_for_attendance})


def arrangement_form_docx(session: StudySession) -> bytes:
    """学习安排报送表 (seed 001 attachment 1)."""
    params = get_parameters()
    # 填报时间 is when the unit sent the form (R-S10 delivery); before it is sent, the day it is filled in.
    sent = delivery_of(session, ARRANGEMENT)
    filed = timezone.localdate(sent.sent_at) if sent else clock.today()
    start = timezone.localtime(session.starts_at)
    doc = OfficialDocumentBuilder("form")
    doc.attachment_label(1)
    doc.title("基层党委（党总支）理论学习中心组学习安排表")
    doc.paragraph(f"（{start.year}年第{session.sequence}次）", indent=False, align="center")
    filed_text = format_cn_date(filed)
    doc.paragraph(f"党组织名称（盖章）：{session.organization.name}　　填报时间：{filed_text}", indent=False)
    size = group_size(session)
    speeches = list(session.speeches.all())
    speaker_lines = [
        f"{s.speaker_name}{('（' + s.post + '）') if s.post else ''}：{s.outline}".rstrip("：") for s in speeches
    ]
    speaker_lines += [""] * max(0, MIN_SPEAKER_ROWS - len(speaker_lines))
    rows: list[list[Cell]] = [
        [_label("中心组学习\n时间及地点"), _value(f"{session_time_text(session)}\n{session.place}")],
        [_label("中心组\n人　　数"), _value(f"{size}人" if size else "")],
        [_label("主持人及\n职　　务"), _value(host_text(session))],
        [
            _label("学习内容"),
            _value(content_text(session) + ("\n" + agenda_text(session) if session.agenda_items.exists() else "")),
        ],
    ]
    rows.append([Cell("交流研讨人员、职务及发言提纲", rowspan=len(speaker_lines), bold=True), _value(speaker_lines[0])])
    rows += [[_value(line)] for line in speaker_lines[1:]]
    contact = "　".join(p for p in (session.contact_name, session.contact_phone) if p)
    rows.append([_label("联系人及\n联系电话"), _value(contact)])
    heights = [18, 12, 12, 36] + [12] * len(speaker_lines) + [14]
    doc.table(rows, [LABEL_MM, VALUE_MM], header_rows=0, font_size_pt=14, row_heights_mm=heights)
    after = f"{params.report_days_after}{'个工作日' if params.report_unit == 'working' else '天'}"
    doc.paragraph(f"注：此表一式两份，一份于会前报联络员、一份于会后{after}内报党委宣传部。", indent=False)
    return doc.to_bytes()


def document_filename(session: StudySession, kind: str) -> str:
    day = timezone.localdate(session.starts_at)
    label = "学习会方案" if kind == "plan" else "学习安排报送表"
    return f"{session.organization.display_name}{day:%Y%m%d}{label}.docx"
