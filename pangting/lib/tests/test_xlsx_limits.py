"""Import limits: a small upload describing a huge sheet is read or refused fast (issue 14 item 5).

The issue's workbook: 0.13 MB, 500,000 empty rows, held an import request for 47 s.
"""

from __future__ import annotations

import io
import re
import time
import zipfile

import openpyxl
import pytest

from pangting.lib.inputs import ImportLimits
from pangting.lib.xlsx import WorkbookError, read_sheet, read_sheets

SHEET = "xl/worksheets/sheet1.xml"


def workbook_from(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_sheet(data: bytes, change) -> bytes:
    """The same package with the first worksheet's XML passed through `change`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == SHEET:
                body = change(body.decode()).encode()
            target.writestr(info.filename, body)
    return output.getvalue()


def with_rows_appended(data: bytes, rows: str) -> bytes:
    return rewrite_sheet(data, lambda xml: xml.replace("</sheetData>", rows + "</sheetData>"))


def without_dimension(xml: str) -> str:
    return re.sub(r"<dimension[^>]*/>", "", xml)


TABLE = [["姓名", "电话"], ["张三", "13800138000"], ["李四", "13900139000"]]


def test_500000_empty_rows_are_skipped_in_well_under_a_second_of_parsing():
    data = with_rows_appended(
        rewrite_sheet(workbook_from(TABLE), without_dimension), '<row><c s="0"/><c s="0"/></row>' * 500_000
    )
    assert len(data) < 200_000  # as small as the 0.13 MB file
    started = time.monotonic()
    rows = read_sheet(data, expected_headers=["姓名", "电话"])
    assert [row["姓名"] for row in rows] == ["张三", "李四"]
    # Was 29 s on the test machine (47 s in the issue); the scan takes a fraction of a second.
    assert time.monotonic() - started < 5


def test_numbered_empty_rows_up_to_excels_last_row_are_skipped():
    rows = "".join(f'<row r="{n}" s="1" customFormat="1"/>' for n in range(4, 1_048_577, 7))
    data = with_rows_appended(workbook_from(TABLE), rows)
    assert len(read_sheet(data, expected_headers=["姓名", "电话"])) == 2


def test_a_value_after_a_gap_of_empty_rows_is_still_read_with_its_row_number():
    rows = '<row r="500"/><row r="900"><c r="A900" t="inlineStr"><is><t>王五</t></is></c></row>'
    data = with_rows_appended(workbook_from(TABLE), rows)
    read = read_sheet(data, expected_headers=["姓名", "电话"], limits=ImportLimits(max_rows=1000))
    assert [(row.row_number, row["姓名"]) for row in read][-1] == (900, "王五")


def test_rows_without_numbers_keep_their_position():
    rows = "<row/><row/>" + '<row><c t="inlineStr"><is><t>赵六</t></is></c></row>'
    data = with_rows_appended(rewrite_sheet(workbook_from(TABLE), lambda x: re.sub(r' r="\w+"', "", x)), rows)
    read = read_sheet(data, expected_headers=["姓名", "电话"])
    assert [(row.row_number, row["姓名"]) for row in read][-1] == (6, "赵六")


def test_data_below_the_row_limit_is_refused_before_parsing():
    data = workbook_from([["姓名"], *[[f"人员{n}"] for n in range(30)]])
    with pytest.raises(WorkbookError, match="数据超过20行（到第31行）"):
        read_sheet(data, expected_headers=["姓名"], header_search_rows=10, limits=ImportLimits(max_rows=20))


def test_more_cells_than_allowed_are_refused():
    data = workbook_from([["姓名", "电话"], *[["张三", "138"] for _ in range(10)]])
    with pytest.raises(WorkbookError, match="非空单元格超过15个"):
        read_sheet(data, expected_headers=["姓名"], limits=ImportLimits(max_cells=15))


def test_a_value_beyond_the_column_limit_is_refused_with_its_column():
    data = workbook_from([["姓名", "电话", "备注"], ["张三", "138", "多余"]])
    with pytest.raises(WorkbookError, match="第1行超过2列（C列有内容）"):
        read_sheet(data, expected_headers=["姓名"], limits=ImportLimits(max_columns=2))


def test_a_read_past_the_deadline_is_refused():
    data = workbook_from(TABLE)
    with pytest.raises(WorkbookError, match="读取工作簿超过"):
        read_sheet(data, expected_headers=["姓名"], deadline=time.monotonic() - 1)


def test_a_worksheet_too_big_unpacked_is_refused():
    data = with_rows_appended(workbook_from(TABLE), '<row><c t="inlineStr"><is><t>长</t></is></c></row>' * 40_000)
    with pytest.raises(WorkbookError, match="太大"):
        read_sheet(data, expected_headers=["姓名"], limits=ImportLimits(max_sheet_mb=1, max_rows=100_000))


def test_namespace_prefixed_sheets_are_trimmed_too():
    def prefixed(xml: str) -> str:
        xml = re.sub(r"<(/?)(?!\?)([A-Za-z])", r"<\1x:\2", xml)
        return xml.replace('xmlns="', 'xmlns:x="', 1)

    data = with_rows_appended(rewrite_sheet(workbook_from(TABLE), prefixed), '<x:row r="90000"/>')
    assert [row["姓名"] for row in read_sheet(data, expected_headers=["姓名", "电话"])] == ["张三", "李四"]


def test_several_sheets_are_read_from_one_opening_and_each_sheet_has_its_own_problem():
    workbook = openpyxl.Workbook()
    workbook.active.title = "名单"
    workbook.active.append(["姓名"])
    workbook.active.append(["张三"])
    workbook.create_sheet("其他").append(["别的"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    results = read_sheets(buffer.getvalue(), {"名单": ["姓名"], "其他": ["姓名"]})
    assert [row["姓名"] for row in results["名单"]] == ["张三"]
    assert isinstance(results["其他"], WorkbookError)
