"""Import a year's historical center-group sessions and attendance from Pangting's own ledgers.

A unit adopting the system mid-year brings its records: the workbook has the layout of the
system's 学习会台账 and 学习会考勤台账 (same sheet titles, the same Chinese headers for the
same things), reduced to what a session and its attendance need. The import is all or
nothing: every row is checked and every problem reported with its sheet, row and column in
Chinese; then everything is written through the study services in one transaction (which
also recompute what they derive: sequence numbers, deadlines, the expected list), and if a
service refuses any row, nothing is kept and its refusal is reported against that row.

Only sessions that have taken place are imported (this is history, not planning); a
session at a time the unit already has one is refused, so a second upload of the same file
changes nothing. Expected members not listed in the attendance sheet are recorded absent
when the imported session's attendance is confirmed.

The sheet titles and headers are the file format, Chinese whatever the interface language.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.system import system_actor
from pangting.lib import xlsx
from pangting.orgs.models import Organization, Person
from pangting.orgs.transfer.spec import Problem

from . import services
from .models import AgendaItem, Attendance, SessionKind, StudySession
from .services.approval import mark_legacy

A = policy.Action

SESSIONS_SHEET = "学习会台账"
ATTENDANCE_SHEET = "学习会考勤台账"
GUIDE_SHEET = "填写说明"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    help: str
    width: int = 16


SESSION_COLUMNS = (
    Column("unit", "单位", True, "党组织全称、简称或编码（须为本人可管理的单位）。", 28),
    Column("date", "日期", True, "学习会日期，如 2026-03-18 或 2026年3月18日；须已召开。", 14),
    Column("time", "时间", True, "起止时间，如 14:30—16:30。", 13),
    Column("place", "地点", True, "学习会地点。", 20),
    Column("title", "学习主题", True, "学习会主题；与考勤表的“学习主题”一致。", 36),
    Column("host", "主持人", False, "本单位人员姓名。", 10),
    Column("host_post", "主持人职务", False, "", 14),
    Column("led_by", "领学人", False, "本单位人员姓名（R-S12 书记领学）。", 10),
    Column("first_item", "第一议题", False, "第一议题的学习内容（R-S4），如“学习习近平总书记……重要讲话精神”。", 36),
    Column("content", "学习内容", False, "其他学习内容（可多行）。", 36),
    Column("arrangement_at", "安排表报送时间", False, "如 2026-03-16 16:00；留空表示未报送。", 18),
    Column("report_at", "会后报送时间", False, "如 2026-03-19 10:00；留空表示未报送。", 18),
    Column("summary", "会议纪要", False, "学习小结或会议纪要（R-S14 档案）。", 36),
)
ATTENDANCE_COLUMNS = (
    Column("unit", "单位", True, "与学习会台账中的单位一致。", 28),
    Column("date", "学习会日期", True, "与学习会台账中的日期一致。", 14),
    Column("title", "学习主题", True, "与学习会台账中的学习主题一致。", 36),
    Column("name", "姓名", True, "中心组成员姓名；表中未列出的应到人员记为缺席。", 10),
    Column("status", "出勤", True, "出席、请假或缺席。", 8),
    Column("leave_reason", "请假事由", False, "请假时必填（R-S3）。", 24),
    Column("makeup_on", "补学日期", False, "请假人员补学的日期。", 14),
    Column("makeup_note", "补学情况", False, "补学内容或方式；填写补学日期时必填。", 24),
)
STATUSES = {"出席": Attendance.Status.PRESENT, "请假": Attendance.Status.LEAVE, "缺席": Attendance.Status.ABSENT}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_TIME_SPAN = re.compile(r"^\s*(\d{1,2})[:：](\d{2})\s*[—–\-~～至到]+\s*(\d{1,2})[:：](\d{2})\s*$")


def template_workbook() -> bytes:
    """The workbook to fill in: the two sheets with their headers, and a sheet explaining each column."""
    guide = [(sheet, c.header, "是" if c.required else "否", c.help)
             for sheet, columns in ((SESSIONS_SHEET, SESSION_COLUMNS), (ATTENDANCE_SHEET, ATTENDANCE_COLUMNS))
             for c in columns]  # fmt: skip
    return xlsx.write_workbook(
        [
            xlsx.Sheet(SESSIONS_SHEET, [c.header for c in SESSION_COLUMNS], [], [c.width for c in SESSION_COLUMNS]),
            xlsx.Sheet(
                ATTENDANCE_SHEET, [c.header for c in ATTENDANCE_COLUMNS], [], [c.width for c in ATTENDANCE_COLUMNS]
            ),
            xlsx.Sheet(GUIDE_SHEET, ["工作表", "列", "必填", "说明"], guide, [16, 16, 6, 70]),
        ]
    )


@dataclass
class ImportResult:
    sessions: int = 0
    attendance: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Session:
    row: int
    unit: Organization
    starts_at: dt.datetime
    ends_at: dt.datetime
    fields: dict[str, Any]
    first_item: str
    arrangement_at: dt.datetime | None
    report_at: dt.datetime | None
    attendance: list[_Attendance] = field(default_factory=list)


@dataclass
class _Attendance:
    row: int
    person: Person
    status: str
    leave_reason: str
    makeup_on: dt.date | None
    makeup_note: str


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _moment(value: Any) -> dt.datetime | None:
    """A date with a time (Excel datetime or text 2026-03-16 16:00); a bare date means 9:00."""
    if isinstance(value, dt.datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    text = _text(value)
    day_text, _sep, time_text = text.partition(" ")
    day = _date(day_text) if text else None
    if day is None:
        return None
    hour, minute = 9, 0
    if time_text:
        match = re.match(r"^(\d{1,2})[:：](\d{2})", time_text.strip())
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            return None
        hour, minute = int(match[1]), int(match[2])
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class _Reader:
    """Checks every row of both sheets, collecting problems; nothing is written here."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.problems: list[Problem] = []
        self.units: dict[str, Organization] = {}
        for org in Organization.objects.for_user(user, A.STUDY_CHANGE).filter(study_group__isnull=False):
            for key in (org.name, org.display_name, org.code):
                if key:
                    self.units.setdefault(key, org)
        self.people: dict[tuple[int, str], list[Person]] = defaultdict(list)
        for person in Person.objects.for_user(user, A.STUDY_CHANGE).select_related("organization"):
            for org in {o.pk: o for o in self.units.values()}.values():
                if person.organization.path.startswith(org.path):
                    self.people[(org.pk, person.name)].append(person)

    def problem(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.problems.append(Problem(sheet, row, column, message))

    def unit(self, sheet: str, row: int, value: Any) -> Organization | None:
        name = _text(value)
        unit = self.units.get(name)
        if unit is None:
            self.problem(sheet, row, "单位", _("找不到可由您管理、设有中心组的党组织“{name}”。").format(name=name))
        return unit

    def person(self, sheet: str, row: int, column: str, unit: Organization, value: Any) -> Person | None:
        name = _text(value)
        if not name:
            return None
        found = self.people.get((unit.pk, name), [])
        if len(found) != 1:
            message = _("{unit}有多名人员叫“{name}”，请在系统中核对。") if found else _("{unit}没有人员“{name}”。")
            self.problem(sheet, row, column, message.format(unit=unit.display_name, name=name))
            return None
        return found[0]

    def sessions(self, rows: list[xlsx.ImportedRow]) -> dict[tuple[int, dt.date, str], _Session]:
        found: dict[tuple[int, dt.date, str], _Session] = {}
        now = clock.now()
        for row in rows:
            n, sheet = row.row_number, SESSIONS_SHEET
            before = len(self.problems)
            for column in SESSION_COLUMNS:
                if column.required and not _text(row.get(column.key)):
                    self.problem(sheet, n, column.header, _("此项必填。"))
            if len(self.problems) > before:
                continue
            unit = self.unit(sheet, n, row["unit"])
            day = _date(row["date"])
            if day is None:
                self.problem(
                    sheet, n, "日期", _("日期“{value}”无法识别，请写作 2026-03-18。").format(value=_text(row["date"]))
                )
            span = _TIME_SPAN.match(_text(row["time"]))
            if span is None or int(span[1]) > 23 or int(span[3]) > 23 or int(span[2]) > 59 or int(span[4]) > 59:
                self.problem(
                    sheet, n, "时间", _("时间“{value}”无法识别，请写作 14:30—16:30。").format(value=_text(row["time"]))
                )
                span = None
            if unit is None or day is None or span is None:
                continue
            starts = timezone.make_aware(dt.datetime.combine(day, dt.time(int(span[1]), int(span[2]))))
            ends = timezone.make_aware(dt.datetime.combine(day, dt.time(int(span[3]), int(span[4]))))
            if ends <= starts:
                self.problem(sheet, n, "时间", _("结束时间不能早于或等于开始时间。"))
                continue
            if ends > now:
                self.problem(sheet, n, "日期", _("只能导入已经召开的学习会。"))
                continue
            title = _text(row["title"])[:200]
            key = (unit.pk, day, title)
            if key in found:
                self.problem(sheet, n, "学习主题", _("与第{row}行是同一次学习会。").format(row=found[key].row))
                continue
            if StudySession.objects.filter(organization=unit, starts_at=starts).exclude(status="cancelled").exists():
                self.problem(
                    sheet, n, "日期", _("{unit}在该时间已有学习会，未重复导入。").format(unit=unit.display_name)
                )
                continue
            moments = {}
            for name, header in (("arrangement_at", "安排表报送时间"), ("report_at", "会后报送时间")):
                raw = row.get(name)
                moments[name] = _moment(raw) if _text(raw) else None
                if _text(raw) and moments[name] is None:
                    self.problem(
                        sheet, n, header, _("时间“{value}”无法识别，请写作 2026-03-16 16:00。").format(value=_text(raw))
                    )
            fields = {
                "title": title, "place": _text(row["place"])[:200], "host_post": _text(row.get("host_post"))[:100],
                "content": _text(row.get("content")), "summary": _text(row.get("summary")),
                "host": self.person(sheet, n, "主持人", unit, row.get("host")),
                "led_by": self.person(sheet, n, "领学人", unit, row.get("led_by")),
            }  # fmt: skip
            found[key] = _Session(
                n, unit, starts, ends, fields, _text(row.get("first_item"))[:300],
                moments["arrangement_at"], moments["report_at"],
            )  # fmt: skip
        return found

    def attendance(self, rows: list[xlsx.ImportedRow], sessions: dict[tuple[int, dt.date, str], _Session]) -> int:
        count = 0
        seen: dict[tuple[int, dt.date, str, int], int] = {}
        for row in rows:
            n, sheet = row.row_number, ATTENDANCE_SHEET
            before = len(self.problems)
            for column in ATTENDANCE_COLUMNS:
                if column.required and not _text(row.get(column.key)):
                    self.problem(sheet, n, column.header, _("此项必填。"))
            if len(self.problems) > before:
                continue
            unit = self.unit(sheet, n, row["unit"])
            day = _date(row["date"])
            if unit is None:
                continue
            session = sessions.get((unit.pk, day, _text(row["title"])[:200])) if day else None
            if session is None:
                self.problem(sheet, n, "学习主题", _("学习会台账中没有这次学习会（单位、日期、学习主题须一致）。"))
                continue
            status = STATUSES.get(_text(row["status"]))
            if status is None:
                self.problem(sheet, n, "出勤", _("出勤应为“出席”“请假”或“缺席”。"))
                continue
            person = self.person(sheet, n, "姓名", unit, row["name"])
            if person is None:
                continue
            key = (unit.pk, day, session.fields["title"], person.pk)
            if key in seen:
                self.problem(sheet, n, "姓名", _("与第{row}行重复。").format(row=seen[key]))
                continue
            seen[key] = n
            reason = _text(row.get("leave_reason"))[:200]
            if status == Attendance.Status.LEAVE and not reason:
                self.problem(sheet, n, "请假事由", _("请假时请填写请假事由（R-S3）。"))
                continue
            makeup_on = _date(row.get("makeup_on")) if _text(row.get("makeup_on")) else None
            if _text(row.get("makeup_on")) and makeup_on is None:
                self.problem(
                    sheet,
                    n,
                    "补学日期",
                    _("日期“{value}”无法识别，请写作 2026-03-18。").format(value=_text(row.get("makeup_on"))),
                )
                continue
            note = _text(row.get("makeup_note"))[:300]
            if makeup_on is not None and (status != Attendance.Status.LEAVE or not note):
                self.problem(sheet, n, "补学日期", _("只有请假人员登记补学，且须填写补学情况。"))
                continue
            session.attendance.append(_Attendance(n, person, status, reason, makeup_on, note))
            count += 1
        return count


def import_ledgers(data: bytes, *, actor: Any) -> ImportResult:
    """Check the workbook and, if every row is right, import it in one transaction (else nothing)."""
    result = ImportResult()
    policy.require(actor, A.STUDY_CHANGE)
    try:
        sheets = xlsx.read_sheets(
            data,
            {
                SESSIONS_SHEET: {c.header: c.key for c in SESSION_COLUMNS},
                ATTENDANCE_SHEET: {c.header: c.key for c in ATTENDANCE_COLUMNS},
            },
        )
    except xlsx.WorkbookError as error:
        result.problems.append(Problem("", None, "", str(error)))
        return result
    reader = _Reader(actor)
    rows: dict[str, list[xlsx.ImportedRow]] = {}
    for title, found in sheets.items():
        if isinstance(found, xlsx.WorkbookError):
            reader.problem(str(title), None, "", str(found))
        else:
            rows[str(title)] = found
    sessions = reader.sessions(rows.get(SESSIONS_SHEET, []))
    if SESSIONS_SHEET in rows and not rows[SESSIONS_SHEET]:
        reader.problem(SESSIONS_SHEET, None, "", _("工作表中没有学习会。"))
    result.attendance = reader.attendance(rows.get(ATTENDANCE_SHEET, []), sessions)
    result.problems = reader.problems
    if result.problems:
        result.attendance = 0
        return result
    try:
        with transaction.atomic():
            for session in sessions.values():
                _write(session, actor, result)
            if result.problems:
                raise _Refused
    except _Refused:
        result.sessions = result.attendance = 0
    else:
        result.sessions = len(sessions)
    return result


class _Refused(Exception):
    """A service refused a row: roll everything back."""


def _deliver_past(delivery: Any) -> None:
    """A send of the past brought in by the import: its copies count as signed when it was sent,
    by the system (the history rows say so), so nobody gets a to-do for last year's paper."""
    for receipt in delivery.receipts.filter(signed_at__isnull=True):
        services.sign_receipt(receipt, actor=system_actor(), at=delivery.sent_at)


def _write(item: _Session, actor: Any, result: ImportResult) -> None:
    agenda = [{"kind": AgendaItem.Kind.FIRST_ITEM, "title": item.first_item}] if item.first_item else []
    try:
        with transaction.atomic():
            session = services.create_session(
                actor=actor, organization=item.unit, kind=SessionKind.CENTER_GROUP,
                starts_at=item.starts_at, ends_at=item.ends_at, agenda=agenda, **item.fields,
            )  # fmt: skip
            if item.arrangement_at is not None:
                mark_legacy(session)  # R-S15: sent before the unit used the system
                _deliver_past(services.send_arrangement(session, actor=actor, at=item.arrangement_at))
                _deliver_past(services.forward_arrangement(session, actor=system_actor(), at=item.arrangement_at))
    except ValidationError as error:
        result.problems.append(Problem(SESSIONS_SHEET, item.row, "", _("；").join(error.messages)))
        return
    for row in item.attendance:
        try:
            with transaction.atomic():
                services.record_attendance(
                    session, row.person, actor=actor, status=row.status, leave_reason=row.leave_reason
                )
        except ValidationError as error:
            result.problems.append(Problem(ATTENDANCE_SHEET, row.row, "姓名", _("；").join(error.messages)))
    if result.problems:
        return
    session.refresh_from_db()
    services.close_attendance(session, actor=actor, at=item.ends_at + dt.timedelta(minutes=10))
    for row in item.attendance:
        if row.makeup_on is not None:
            attendance = session.attendances.get(person=row.person)
            try:
                services.record_makeup(attendance, actor=actor, done_on=row.makeup_on, note=row.makeup_note)
            except ValidationError as error:
                result.problems.append(Problem(ATTENDANCE_SHEET, row.row, "补学日期", _("；").join(error.messages)))
    if item.report_at is not None:
        try:
            _deliver_past(services.send_report(session, actor=actor, at=item.report_at))
        except ValidationError as error:
            result.problems.append(Problem(SESSIONS_SHEET, item.row, "会后报送时间", _("；").join(error.messages)))
