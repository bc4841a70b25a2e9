"""Ledgers (台账): the fast export writes the workbook the model-instance export wrote, cell by cell.

The export reads the big kinds as tuples and writes with XlsxWriter. The reference here is
the export as it was: a row per model instance (`get_FOO_display()`, model properties) and
openpyxl's write-only mode with the same header style, widths and date formats. Both
workbooks are read back with openpyxl and compared sheet by sheet, cell by cell: values,
types, number formats, header style, column widths, frozen header and filter.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from pangting.accounts.models import User
from pangting.lib.xlsx import BEIJING, DATE_FORMAT, DATETIME_FORMAT
from pangting.reports.ledgers import LEDGERS, Ledger, LedgerQuery, Period, RowContext, Scope, write_ledgers
from pangting.reports.tests.test_ledgers import build_scene
from pangting.study import rules
from pangting.study.models import Attendance, PlanTheme, StudySession
from pangting.study.tests.builders import at

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def scene(world: Any) -> dict[str, Any]:
    return build_scene(world)


def _attendance_row(a: Attendance, ctx: RowContext) -> list[Any]:
    session = a.session
    return [
        session.organization.name,
        timezone.localdate(session.starts_at),
        session.title,
        session.get_kind_display(),
        a.person.name,
        a.post or a.person.post,
        a.get_status_display(),
        a.get_method_display() if a.method else "",
        a.checked_in_at,
        a.leave_reason,
        a.makeup_done_on,
        a.makeup_note,
        "是" if a.needs_makeup else "",
    ]


def _session_row(s: Any, ctx: RowContext) -> list[Any]:
    start, end = timezone.localtime(s.starts_at), timezone.localtime(s.ends_at)
    rate = rules.participation_rate(s.n_present, s.n_expected)
    day = timezone.localdate
    arrangement_late = s.is_center_group and rules.is_late(
        day(s.arrangement_submitted_at) if s.arrangement_submitted_at else None, s.arrangement_due, ctx.today
    )
    report_late = (
        s.is_center_group
        and s.status != StudySession.Status.CANCELLED
        and rules.is_late(day(s.report_submitted_at) if s.report_submitted_at else None, s.report_due, ctx.today)
    )
    return [
        s.organization.name,
        s.get_kind_display(),
        s.sequence,
        start.date(),
        f"{start:%H:%M}—{end:%H:%M}",
        s.place,
        s.title,
        s.plan_theme.theme if s.plan_theme else "",
        s.host.name if s.host else "",
        s.host_post,
        s.led_by.name if s.led_by else "",
        "是" if s.has_first_item else "否",
        s.n_expected,
        s.n_present,
        s.n_leave,
        s.n_absent,
        rules.format_rate(rate) if rate is not None else "",
        s.arrangement_due,
        s.arrangement_submitted_at,
        "是" if arrangement_late else "",
        s.report_due,
        s.report_submitted_at,
        "是" if report_late else "",
        s.n_reschedules,
        s.get_status_display(),
    ]


REFERENCE_ROWS = {"attendance": _attendance_row, "sessions": _session_row}


def _cell(worksheet: Any, value: Any) -> Any:
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(worksheet, value=value.astimezone(BEIJING).replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if value is not None and not isinstance(value, int | float):  # text, and lazy translations
        cell = WriteOnlyCell(worksheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))  # Excel refuses them
        cell.data_type = "s"  # never a formula
        return cell
    return value


def reference_workbook(ledgers: list[Ledger], scope: Scope, query: LedgerQuery) -> bytes:
    """The export as openpyxl's write-only mode wrote it from model instances."""
    workbook = Workbook(write_only=True)
    for ledger in ledgers:
        worksheet = workbook.create_sheet(ledger.title)
        for index, width in enumerate(ledger.widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        worksheet.freeze_panes = "A2"
        header = []
        for text in ledger.headers:
            cell = WriteOnlyCell(worksheet, value=text)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="D9E1F2")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = Border(bottom=Side(style="thin", color="808080"))
            header.append(cell)
        worksheet.append(header)
        row = REFERENCE_ROWS.get(ledger.key, ledger.row)
        ctx = RowContext(today=TODAY)
        count = 0
        for count, record in enumerate(ledger.queryset(scope.reach(ledger), query), start=1):
            worksheet.append([_cell(worksheet, v) for v in [count, *row(record, ctx)]])
        worksheet.auto_filter.ref = f"A1:{get_column_letter(len(ledger.headers))}{count + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _described(cell: Any) -> tuple[Any, ...]:
    value = None if cell.value == "" else cell.value  # openpyxl keeps "" from its own writer
    return (
        cell.coordinate,
        value,
        cell.data_type if value is not None else None,
        cell.number_format if value is not None else None,
        cell.font.bold,
        cell.fill.fill_type,
        (cell.fill.fgColor.rgb or "")[-6:] if cell.fill.fill_type else None,
        cell.alignment.horizontal,
        cell.alignment.vertical,
        bool(cell.alignment.wrap_text),
        cell.border.bottom.style,
    )


def _widths(worksheet: Any, columns: int) -> list[float | None]:
    """Each column's width; a <col> element may cover several columns (min to max)."""
    widths: list[float | None] = [None] * columns
    for dimension in worksheet.column_dimensions.values():
        for index in range(dimension.min, min(dimension.max, columns) + 1):
            widths[index - 1] = dimension.width
    return widths


def _sheet(worksheet: Any) -> dict[str, Any]:
    columns = worksheet.max_column
    return {
        "cells": [[_described(cell) for cell in row] for row in worksheet.iter_rows(max_col=columns)],
        "widths": _widths(worksheet, columns),
        "frozen": worksheet.freeze_panes,
        "filter": worksheet.auto_filter.ref,
    }


def _vary(w: Any, scene: dict[str, Any]) -> None:
    """Values the scene lacks: a QR check-in, make-up study, a host, a plan theme, a submitted
    arrangement, text that looks like a formula and a control character."""
    spring = scene["spring"]
    theme = PlanTheme.objects.filter(plan__organization=w.unit_a).order_by("pk").first()
    StudySession.objects.filter(pk=spring.pk).update(
        host=w.member_person,
        host_post="党委书记",
        led_by=w.member_person,
        plan_theme=theme,
        title="=SUM(1,2) 学习\x07会",
        arrangement_submitted_at=at(2026, 3, 9, 18, 5),
    )
    Attendance.objects.filter(session=spring).update(makeup_done_on=dt.date(2026, 3, 20), makeup_note="自学补课")
    Attendance.objects.filter(session=scene["autumn_b"]).update(
        method=Attendance.Method.QR, checked_in_at=at(2026, 10, 15, 14, 25), status=Attendance.Status.PRESENT
    )


def test_it_writes_every_ledger_as_the_instance_by_instance_export_did(world, scene):
    _vary(world, scene)
    scope = Scope(everything=True)
    query = LedgerQuery(Period(2026))
    ledgers = list(LEDGERS.values())
    fast = io.BytesIO()
    write_ledgers(ledgers, scope, query, fast, chunk_size=2, today=TODAY)
    expected = load_workbook(io.BytesIO(reference_workbook(ledgers, scope, query)))
    actual = load_workbook(io.BytesIO(fast.getvalue()))
    assert actual.sheetnames == expected.sheetnames
    rows = 0
    for title in expected.sheetnames:
        assert _sheet(actual[title]) == _sheet(expected[title]), title
        rows += actual[title].max_row - 1
    assert rows >= 12  # the scene's rows of every kind are in the comparison
    attendance = list(actual["学习会考勤台账"].iter_rows(min_row=2, values_only=True))
    assert ("扫码签到", dt.datetime(2026, 10, 15, 14, 25)) in {(r[8], r[9]) for r in attendance}
    assert actual["学习会台账"]["H2"].value == "=SUM(1,2) 学习会"  # text, never a formula


def test_it_reports_progress_every_chunk_and_the_total(world, scene):
    seen: list[int] = []
    write_ledgers(
        [LEDGERS["sessions"], LEDGERS["attendance"]],
        Scope(everything=True),
        LedgerQuery(Period(2026)),
        io.BytesIO(),
        chunk_size=2,
        progress=seen.append,
    )
    total = (
        StudySession.objects.filter(starts_at__year=2026).count()
        + Attendance.objects.filter(session__starts_at__year=2026).count()
    )
    assert seen == [*range(2, total + 1, 2), *([total] if total % 2 else [])]
    assert total >= 5


def test_it_reports_zero_rows_once_for_an_empty_period(world):
    seen: list[int] = []
    write_ledgers(
        [LEDGERS["attendance"]], Scope(everything=True), LedgerQuery(Period(2031)), io.BytesIO(), progress=seen.append
    )
    assert seen == [0]


def test_it_labels_choices_in_the_language_of_each_export(world, scene):
    user = User.objects.get(pk=world.supervisor.pk)
    for language, label in (("en", "On leave"), ("zh-hans", "请假")):
        buffer = io.BytesIO()
        with translation.override(language):
            write_ledgers([LEDGERS["attendance"]], Scope(user), LedgerQuery(Period(2026)), buffer)
        statuses = {r[7] for r in load_workbook(buffer).worksheets[0].iter_rows(min_row=2, values_only=True)}
        assert label in statuses, (language, statuses)
