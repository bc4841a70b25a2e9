"""Import of a year's historical sessions and attendance (the ledger layout): all or nothing, errors per row."""

from __future__ import annotations

import io

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pangting.study.ledger_import import (
    ATTENDANCE_COLUMNS,
    ATTENDANCE_SHEET,
    SESSION_COLUMNS,
    SESSIONS_SHEET,
    import_ledgers,
    template_workbook,
)
from pangting.study.models import Attendance, StudySession
from pangting.study.tests.builders import at

pytestmark = pytest.mark.django_db

SESSION = {"单位": "甲学院党委", "日期": "2026-03-18", "时间": "14:30—16:30", "地点": "301会议室",
           "学习主题": "学习全国两会精神", "第一议题": "学习总书记重要讲话", "安排表报送时间": "2026-03-15 16:00",
           "会后报送时间": "2026-03-19 10:00", "会议纪要": "形成纪要"}  # fmt: skip
PRESENT = {"单位": "甲学院党委", "学习会日期": "2026-03-18", "学习主题": "学习全国两会精神", "姓名": "陈成员",
           "出勤": "出席"}  # fmt: skip


def workbook(sessions: list[dict], attendance: list[dict]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    for title, columns, rows in (
        (SESSIONS_SHEET, SESSION_COLUMNS, sessions),
        (ATTENDANCE_SHEET, ATTENDANCE_COLUMNS, attendance),
    ):
        for row in rows:
            book[title].append([row.get(c.header, "") for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(world, sessions, attendance):
    with time_machine.travel(at(2026, 6, 1), tick=False):
        return import_ledgers(workbook(sessions, attendance), actor=world.secretary_a)


def test_it_imports_held_sessions_with_attendance_and_their_submissions(world):
    result = run(world, [SESSION], [PRESENT])
    assert result.ok and (result.sessions, result.attendance) == (1, 1)
    session = StudySession.objects.get()
    assert session.status == StudySession.Status.HELD and session.summary == "形成纪要"
    assert [i.kind for i in session.agenda_items.all()] == ["first_item"]
    assert session.arrangement_submitted_at is not None and session.report_submitted_at is not None
    assert session.attendances.get(person=world.member_person).status == Attendance.Status.PRESENT


def test_it_reports_every_problem_in_chinese_and_imports_nothing(world):
    bad_time = {**SESSION, "时间": "下午", "学习主题": "另一次"}
    future = {**SESSION, "日期": "2026-09-01", "学习主题": "将来的"}
    other = {**SESSION, "单位": "乙学院党委", "学习主题": "别的单位"}
    leave = {**PRESENT, "出勤": "请假"}  # no reason
    stranger = {**PRESENT, "姓名": "不存在"}
    result = run(world, [SESSION, bad_time, future, other], [leave, stranger, {**PRESENT, "学习主题": "无此会"}])
    assert not result.ok and not StudySession.objects.exists()
    where = {(p.sheet, p.row, p.field) for p in result.problems}
    assert (SESSIONS_SHEET, 3, "时间") in where and (SESSIONS_SHEET, 4, "日期") in where
    assert (SESSIONS_SHEET, 5, "单位") in where  # another unit: not one the secretary manages
    assert (ATTENDANCE_SHEET, 2, "请假事由") in where and (ATTENDANCE_SHEET, 3, "姓名") in where
    assert (ATTENDANCE_SHEET, 4, "学习主题") in where
    assert all(p.message for p in result.problems) and "14:30—16:30" in str(result.problems)


def test_a_service_refusal_rolls_everything_back(world):
    outsider = {**PRESENT, "姓名": "张秘书"}  # the study secretary keeps the record, is not a member
    result = run(world, [SESSION], [outsider])
    assert not result.ok and not StudySession.objects.exists()
    (problem,) = result.problems
    assert (problem.sheet, problem.row) == (ATTENDANCE_SHEET, 2) and "不是" in problem.message


def test_a_second_upload_of_the_same_file_is_refused(world):
    assert run(world, [SESSION], [PRESENT]).ok
    again = run(world, [SESSION], [PRESENT])
    assert not again.ok and "已有学习会" in again.problems[0].message
    assert StudySession.objects.count() == 1


def test_it_refuses_a_file_that_is_not_a_workbook(world):
    result = import_ledgers(b"not a workbook", actor=world.secretary_a)
    assert not result.ok and "Excel" in result.problems[0].message


def test_the_page_offers_the_template_and_shows_the_result(world, client_for):
    client = client_for(world.secretary_a)
    template = client.get(reverse("study:session_import_template"))
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    assert [c.value for c in book[SESSIONS_SHEET][1]][:5] == ["单位", "日期", "时间", "地点", "学习主题"]
    assert "填写说明" in book.sheetnames
    upload = SimpleUploadedFile("台账.xlsx", workbook([SESSION], [PRESENT]))
    with time_machine.travel(at(2026, 6, 1), tick=False):
        page = client.post(reverse("study:session_import"), {"file": upload}).content.decode()
    assert 'data-testid="import-done"' in page and StudySession.objects.count() == 1
    assert client_for(world.member).get(reverse("study:session_import")).status_code in (403, 404)
