import datetime as dt
import io
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from pangting.lib.xlsx import (
    DATE_FORMAT,
    ImportedRow,
    Sheet,
    WorkbookError,
    read_sheet,
    sanitize_sheet_title,
    write_workbook,
)

HEADERS = ["单位", "姓名", "电话", "旁听日期", "得分"]
ROWS = [
    ["机电工程学院", "张三", "13800138000", dt.date(2026, 9, 8), 92.5],
    ["信息技术学院", "李四（联络员）", "0577-86680000", dt.date(2026, 10, 13), 88],
]


def ledger(**changes) -> bytes:
    sheet = Sheet(title="巡听旁听台账", headers=HEADERS, rows=ROWS)
    return write_workbook([Sheet(**{**sheet.__dict__, **changes})])


def workbook_from(rows: list[list[object]], title: str = "Sheet1") -> bytes:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = title
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- export ------------------------------------------------------------------------------


def test_it_round_trips_chinese_text_dates_and_numbers():
    rows = read_sheet(ledger(), expected_headers=HEADERS)
    assert [dict(row) for row in rows] == [dict(zip(HEADERS, values, strict=True)) for values in ROWS]
    assert [row.row_number for row in rows] == [2, 3]


def test_it_writes_dates_as_real_excel_dates_in_chinese_format():
    worksheet = openpyxl.load_workbook(io.BytesIO(ledger())).active
    cell = worksheet["D2"]
    assert cell.is_date
    assert cell.number_format == DATE_FORMAT == 'yyyy"年"m"月"d"日"'
    assert cell.value == dt.datetime(2026, 9, 8)


def test_it_shows_aware_datetimes_in_beijing_time_with_a_chinese_format():
    moment = dt.datetime(2026, 9, 28, 6, 30, tzinfo=dt.UTC)
    data = write_workbook([Sheet("记录", ["时间"], [[moment]])])
    cell = openpyxl.load_workbook(io.BytesIO(data)).active["A2"]
    assert cell.value == dt.datetime(2026, 9, 28, 14, 30)
    assert cell.number_format.startswith('yyyy"年"m"月"d"日"')


def test_it_styles_the_header_bold_shaded_frozen_and_filterable():
    worksheet = openpyxl.load_workbook(io.BytesIO(ledger(column_widths=[20, 10, 16, 18, 8]))).active
    assert [cell.value for cell in worksheet[1]] == HEADERS
    assert all(cell.font.bold and cell.fill.fgColor.rgb.endswith("D9E1F2") for cell in worksheet[1])
    assert worksheet.freeze_panes == "A2"
    assert worksheet.auto_filter.ref == "A1:E3"
    assert [worksheet.column_dimensions[c].width for c in "ABCDE"] == [20, 10, 16, 18, 8]


def test_it_sizes_columns_by_their_headers_when_no_widths_are_given():
    worksheet = openpyxl.load_workbook(io.BytesIO(ledger())).active
    assert worksheet.column_dimensions["A"].width == 10  # "单位": at least 10
    data = write_workbook([Sheet("表", ["巡听旁听组组长及成员名单"], [])])
    assert openpyxl.load_workbook(io.BytesIO(data)).active.column_dimensions["A"].width == 28


def test_it_keeps_text_that_looks_like_a_formula_as_text():
    data = write_workbook([Sheet("表", ["备注"], [['=HYPERLINK("http://evil","点我")'], ["正常\x07文本"]])])
    worksheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert worksheet["A2"].data_type == "s"
    assert worksheet["A2"].value == '=HYPERLINK("http://evil","点我")'
    assert worksheet["A3"].value == "正常文本"  # control characters dropped


def test_it_writes_several_sheets_with_sanitised_unique_titles():
    data = write_workbook(
        [
            Sheet("2026/2027学年: 计划[草稿]?", ["a"], [[1]]),
            Sheet("2026/2027学年: 计划[草稿]?", ["a"], [[Decimal("2.50")]]),
            Sheet("理论学习中心组学习巡听旁听工作台账（全省汇总表）", ["a"], [[True]]),
        ]
    )
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [
        "2026_2027学年_ 计划_草稿__",
        "2026_2027学年_ 计划_草稿__(2)",
        "理论学习中心组学习巡听旁听工作台账（全省汇总表）"[:31],
    ]
    assert workbook.worksheets[1]["A2"].value == 2.5


@pytest.mark.parametrize(
    ("title", "taken", "expected"),
    [
        ("", (), "Sheet"),
        ("'台账'", (), "台账"),
        ("History", (), "History_"),
        ("台账", ("台账",), "台账(2)"),
        ("台账", ("台账", "台账(2)"), "台账(3)"),
        ("a" * 40, ("a" * 31,), "a" * 28 + "(2)"),
        ("计划:*?/\\[]", (), "计划_______"),
    ],
)
def test_it_sanitises_sheet_titles_to_excels_rules(title, taken, expected):
    result = sanitize_sheet_title(title, taken)
    assert result == expected
    assert len(result) <= 31


def test_it_refuses_rows_longer_than_the_headers_and_widths_that_do_not_match():
    with pytest.raises(ValueError, match="第2行有3列，多于表头的2列"):
        write_workbook([Sheet("表", ["a", "b"], [[1, 2, 3]])])
    with pytest.raises(ValueError, match="列宽个数"):
        write_workbook([Sheet("表", ["a", "b"], [], column_widths=[10])])


STREAMING_CHILD = """
import sys
from pangting.lib.xlsx import Sheet, stream_workbook

def peak_rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM"))

produced = 0

def rows():
    global produced
    for number in range(200_000):
        produced += 1
        yield (number, f"第{number}号单位理论学习中心组")

before = peak_rss()
with open(sys.argv[1], "wb") as target:
    stream_workbook([Sheet("全省台账", ["序号", "单位"], rows())], target)
print(produced, peak_rss() - before)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc to read peak memory")
def test_it_streams_two_hundred_thousand_rows_without_holding_them_in_memory(tmp_path):
    # tracemalloc slows openpyxl about fivefold (over a minute here), so a child process
    # reports how far its peak resident memory grew during the export. Materialising these
    # rows as a list alone takes about 39 MB (measured with tracemalloc); streaming grows
    # by well under a megabyte.
    target = tmp_path / "province.xlsx"
    child = subprocess.run(
        [sys.executable, "-c", STREAMING_CHILD, str(target)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    produced, growth = map(int, child.stdout.split())
    assert produced == 200_000
    assert growth < 16 * 1024 * 1024, f"peak memory grew by {growth / 2**20:.1f} MB"
    # Reading 200,000 rows back through openpyxl would take longer than writing them; the
    # sheet's XML is decompressed in chunks to check that the last row is there.
    tail = b""
    with zipfile.ZipFile(target) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
        while chunk := sheet.read(1 << 20):
            tail = (tail + chunk)[-16384:]
    assert b'<row r="200001"' in tail and b"<v>199999</v>" in tail and b'<autoFilter ref="A1:B200001"' in tail
    assert openpyxl.load_workbook(target, read_only=True).active["B2"].value == "第0号单位理论学习中心组"


# -- import ------------------------------------------------------------------------------


def test_it_finds_the_header_row_below_a_title_and_matches_columns_in_any_order():
    data = workbook_from(
        [
            ["2026年巡听旁听人员名单"],
            [],
            ["备注", " 电 话 ", "姓名*", "单位"],
            ["", "13800138000", "张三", "机电工程学院"],
            [None, None, None, None],
            ["外聘", 13900139000.0, " 李四 ", "信息技术学院"],
        ]
    )
    rows = read_sheet(data, expected_headers={"姓名": "name", "电话": "phone", "单位": "unit"})
    assert rows == [
        ImportedRow(4, {"name": "张三", "phone": "13800138000", "unit": "机电工程学院"}),
        ImportedRow(6, {"name": "李四", "phone": 13900139000, "unit": "信息技术学院"}),
    ]
    assert rows[1]["name"] == "李四"
    # A Mapping all the way: values() and items() work (the row's cells no longer hide them).
    assert set(rows[0].values()) == {"张三", "13800138000", "机电工程学院"}
    assert dict(rows[1].items())["phone"] == 13900139000


def test_it_names_the_missing_header_and_its_row():
    data = workbook_from([["姓名", "手机"], ["张三", "13800138000"]])
    with pytest.raises(WorkbookError, match="第1行缺少表头：电话"):
        read_sheet(data, expected_headers=["姓名", "电话"])


def test_it_says_when_no_header_row_is_found():
    data = workbook_from([["随便"], ["什么"]])
    with pytest.raises(WorkbookError, match="前10行中没有找到表头（应包含“姓名”、“电话”）"):
        read_sheet(data, expected_headers=["姓名", "电话"])


def test_it_refuses_a_header_that_appears_twice():
    data = workbook_from([["姓名", "电话", "姓名"]])
    with pytest.raises(WorkbookError, match="“姓名”出现了两次（A列和C列）"):
        read_sheet(data, expected_headers=["姓名", "电话"])


def test_it_reads_a_named_sheet_and_names_the_missing_one():
    data = workbook_from([["姓名"], ["张三"]], title="名单")
    assert read_sheet(data, expected_headers=["姓名"], sheet="名单")[0]["姓名"] == "张三"
    with pytest.raises(WorkbookError, match="没有名为“台账”的工作表（现有：名单）"):
        read_sheet(data, expected_headers=["姓名"], sheet="台账")


def test_it_returns_dates_and_numbers_from_cells_typed_by_hand():
    data = workbook_from([["日期", "人数"], [dt.datetime(2026, 9, 8), 12], [dt.datetime(2026, 9, 8, 14, 30), 3.5]])
    rows = read_sheet(data, expected_headers=["日期", "人数"])
    assert [dict(row) for row in rows] == [
        {"日期": dt.date(2026, 9, 8), "人数": 12},
        {"日期": dt.datetime(2026, 9, 8, 14, 30), "人数": 3.5},
    ]


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "文件是空的"),
        ("姓名,电话\n张三,138".encode(), "不是 Excel 工作簿"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "旧版 Excel（.xls）"),
        (zip_of({"word/document.xml": b"<w:document/>"}), "不是有效的 Excel 工作簿"),
        (zip_of({"[Content_Types].xml": b"<Types", "xl/workbook.xml": b"<not xml"}), "不是有效的 Excel 工作簿"),
    ],
    ids=["empty", "csv", "xls", "docx-like zip", "broken xml"],
)
def test_it_explains_in_chinese_why_a_file_is_not_a_workbook(data, message):
    with pytest.raises(WorkbookError, match=message):
        read_sheet(data, expected_headers=["姓名"])


def test_it_refuses_more_rows_than_it_will_import():
    data = workbook_from([["姓名"], *[[f"人员{n}"] for n in range(5)]])
    with pytest.raises(WorkbookError, match="数据超过3行"):
        read_sheet(data, expected_headers=["姓名"], max_rows=3)


def test_a_workbook_error_is_a_value_error():
    assert issubclass(WorkbookError, ValueError)
