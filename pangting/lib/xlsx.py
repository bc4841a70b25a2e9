"""Excel ledgers (台账): streaming export and checked import, without Django.

Exports use XlsxWriter's constant-memory mode, which writes each row to a temporary file as it
arrives, so a province-wide ledger of hundreds of thousands of rows from a database cursor
never sits in memory. Imports read with openpyxl's read-only mode and turn every way an
upload can be wrong into a `WorkbookError` whose Chinese message tells the user what to fix.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import math
import os
import re
import time
import unicodedata
import zipfile
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO
from zoneinfo import ZoneInfo

import xlsxwriter
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from xlsxwriter.worksheet import Worksheet as XlsxWorksheet

from pangting.lib import marks as file_marks
from pangting.lib.inputs import DEFAULT_IMPORT_LIMITS, ImportLimits

CellValue = str | int | float | Decimal | bool | dt.date | dt.datetime | None

# Chinese date formats, so that a date is a real Excel date (sortable, filterable) that
# reads the way the offices write it.
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
DATETIME_FORMAT = 'yyyy"年"m"月"d"日" hh:mm'
# Excel has no time zones: aware datetimes are shown in Beijing time.
BEIJING = ZoneInfo("Asia/Shanghai")
SHEET_TITLE_MAX = 31
MAX_IMPORT_ROWS = DEFAULT_IMPORT_LIMITS.max_rows
# The sheet's XML is scanned in pieces of this size before openpyxl reads it.
_SCAN_CHUNK = 1 << 20
# The tags the scan of a worksheet looks at, with or without a namespace prefix: the root,
# sheetData, rows, and the starts of cell values (<v>, inline strings <is>).
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_ROOT_TAG = re.compile(rb"<(" + _PREFIX + rb"worksheet)[\s/>]")
_DATA_TAG = re.compile(rb"<(" + _PREFIX + rb"sheetData)(?=[\s/>])([^>]*)>")
_ROW_TAG_AT = re.compile(rb"<" + _PREFIX + rb"row(?=[\s/>])([^>]*)>")
_ROW_END = re.compile(rb"</" + _PREFIX + rb"row\s*>")
_TAG_ENDS = (b" ", b">", b"/", b"\n", b"\r", b"\t")
_WORKSHEET_PART = re.compile(r"(?i)(^|/)worksheets/[^/]+\.xml$")
_ROW_ATTRIBUTE = re.compile(rb"\br\s*=\s*[\"'](\d+)[\"']")

_ILLEGAL_CHARACTERS: re.Pattern[str] = ILLEGAL_CHARACTERS_RE
_HEADER_FILL = "#D9E1F2"
_HEADER_BORDER = "#808080"  # a thin line under the header
_INVALID_TITLE_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
# The compound-document signature of .xls files and of password-protected .xlsx files.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class WorkbookError(ValueError):
    """An uploaded workbook cannot be imported; the message says why, in Chinese."""


@dataclass(frozen=True)
class Sheet:
    """One worksheet to export: headers, rows (any iterable, consumed once) and widths.

    `column_widths` are in Excel's units (about one Latin character, half a Chinese one);
    without them each column is as wide as its header.
    """

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[CellValue]]
    column_widths: Sequence[float] | None = None


@dataclass(frozen=True)
class ImportedRow(Mapping[str, CellValue]):
    """One imported row: its values by header (or by the key the header maps to), and the
    1-based row number in the workbook, so that an error can point the user at the row."""

    row_number: int
    cells: dict[str, CellValue]  # not `values`: that would hide Mapping.values()

    def __getitem__(self, key: str) -> CellValue:
        return self.cells[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.cells)

    def __len__(self) -> int:
        return len(self.cells)


# -- export ------------------------------------------------------------------------------


def write_workbook(sheets: Iterable[Sheet], *, timezone: dt.tzinfo = BEIJING) -> bytes:
    """Return an .xlsx file with `sheets`; see `stream_workbook` for the layout."""
    buffer = io.BytesIO()
    stream_workbook(sheets, buffer, timezone=timezone)
    return buffer.getvalue()


def stream_workbook(
    sheets: Iterable[Sheet],
    target: IO[bytes] | str | os.PathLike[str],
    *,
    timezone: dt.tzinfo = BEIJING,
) -> None:
    """Write an .xlsx file to `target` (a path or a binary file object), row by row.

    Each sheet gets a bold, shaded header row that stays frozen while scrolling and has a
    filter, the given column widths, and rows as they come from `rows`: memory use does
    not grow with the number of rows. Dates and datetimes become real Excel dates in a
    Chinese format; text that starts with "=" stays text (never a formula). When a watermark
    is set (`pangting.lib.marks`), every sheet's printed header and footer carry it.

    Written with XlsxWriter's `constant_memory` mode: each row goes to a temporary file as
    soon as the next one starts, text is stored in the cell (no shared-string table), and
    the zip is assembled when the last sheet is done. It writes rows about twice as fast as
    openpyxl's write-only mode (bench/ledgers has the figures).
    """
    workbook = xlsxwriter.Workbook(target, _WORKBOOK_OPTIONS)
    formats = _Formats(workbook)
    taken: list[str] = []
    watermark = file_marks.current().watermark
    try:
        for sheet in sheets:
            title = sanitize_sheet_title(sheet.title, taken)
            taken.append(title)
            worksheet = workbook.add_worksheet(title)
            if watermark:
                _print_watermark(worksheet, watermark)
            _write_sheet(worksheet, sheet, formats, timezone)
        if not taken:
            raise ValueError("工作簿至少需要一个工作表。")
    except BaseException:
        _discard(workbook)
        raise
    workbook.close()


# Text stays text: XlsxWriter would otherwise turn "=…" into formulas and "http…" into links.
_WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


class _Formats:
    """The workbook's cell formats, made once (XlsxWriter shares a format between cells)."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.header = workbook.add_format(
            {
                "bold": True,
                "pattern": 1,
                "bg_color": _HEADER_FILL,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "bottom": 1,
                "bottom_color": _HEADER_BORDER,
            }
        )
        self.date = workbook.add_format({"num_format": DATE_FORMAT})
        self.datetime = workbook.add_format({"num_format": DATETIME_FORMAT})


def _print_watermark(worksheet: XlsxWorksheet, text: str) -> None:
    """Who exported the sheet and when, in the printed header (right) and footer (left).

    "&" starts a code in Excel's header syntax, so a literal one is doubled.
    """
    escaped = _clean_text(text).replace("&", "&&")
    worksheet.set_header(f"&R{escaped}")
    worksheet.set_footer(f"&L{escaped}")


def _discard(workbook: xlsxwriter.Workbook) -> None:
    """Close and delete the temporary files of an export that failed halfway.

    In `constant_memory` mode each sheet streams its rows into a named temporary file that
    only `close()` (which would write the workbook) removes.
    """
    for worksheet in workbook.worksheets():
        handle = getattr(worksheet, "row_data_fh", None)
        name = getattr(worksheet, "row_data_filename", None)
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()
        if name:
            with contextlib.suppress(OSError):
                os.unlink(name)


def sanitize_sheet_title(title: str, taken: Collection[str] = ()) -> str:
    """Make `title` a valid, unique Excel sheet name.

    Excel refuses names longer than 31 characters, containing [ ] : * ? / \\, starting or
    ending with an apostrophe, or equal (ignoring case) to another sheet's name; "History"
    is reserved. Forbidden characters become "_" and duplicates get "(2)", "(3)"...
    """
    cleaned = _INVALID_TITLE_CHARS.sub("_", title or "").strip().strip("'").strip()
    cleaned = cleaned[:SHEET_TITLE_MAX].strip() or "Sheet"
    if cleaned.casefold() == "history":
        cleaned = f"{cleaned}_"
    used = {name.casefold() for name in taken}
    candidate, number = cleaned, 2
    while candidate.casefold() in used:
        suffix = f"({number})"
        candidate = cleaned[: SHEET_TITLE_MAX - len(suffix)] + suffix
        number += 1
    return candidate


def _write_sheet(worksheet: XlsxWorksheet, sheet: Sheet, formats: _Formats, timezone: dt.tzinfo) -> None:
    """The header, widths, frozen header and filter, then the rows as they come."""
    headers = [str(header) for header in sheet.headers]
    if not headers:
        raise ValueError(f"工作表“{sheet.title}”没有表头。")
    widths = list(sheet.column_widths) if sheet.column_widths is not None else [_width_for(h) for h in headers]
    if len(widths) != len(headers):
        raise ValueError(f"工作表“{sheet.title}”的列宽个数（{len(widths)}）与表头个数（{len(headers)}）不一致。")
    for index, width in enumerate(widths):
        worksheet.set_column(index, index, _xlsxwriter_width(width))
    worksheet.freeze_panes(1, 0)
    for index, header in enumerate(headers):
        worksheet.write_string(0, index, _clean_text(header), formats.header)
    count = _write_rows(worksheet, sheet, len(headers), formats, timezone)
    worksheet.autofilter(0, 0, count, len(headers) - 1)


def _write_rows(worksheet: XlsxWorksheet, sheet: Sheet, width: int, formats: _Formats, timezone: dt.tzinfo) -> int:
    """Write the rows below the header; return how many. The hot loop of every export:
    plain text and numbers go straight to the writer, the rest through `_write_other`."""
    write_string, write_number = worksheet.write_string, worksheet.write_number
    count = 0
    for count, row in enumerate(sheet.rows, start=1):
        if len(row) > width:
            raise ValueError(f"工作表“{sheet.title}”第{count + 1}行有{len(row)}列，多于表头的{width}列。")
        for column, value in enumerate(row):
            kind = type(value)
            if kind is str:
                if value:  # an empty string is an empty cell
                    write_string(count, column, _clean_text(value))  # type: ignore[arg-type]
            elif kind is int:
                write_number(count, column, value)
            elif value is not None:
                _write_other(worksheet, count, column, value, formats, timezone)
    return count


def _write_other(
    worksheet: XlsxWorksheet, row: int, column: int, value: object, formats: _Formats, timezone: dt.tzinfo
) -> None:
    """Dates as real Excel dates in a Chinese format (aware datetimes in `timezone`),
    booleans as booleans, other numbers as numbers, anything else as its text."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone).replace(tzinfo=None)
        worksheet.write_datetime(row, column, value, formats.datetime)
    elif isinstance(value, dt.date):
        worksheet.write_datetime(row, column, value, formats.date)
    elif isinstance(value, bool):
        worksheet.write_boolean(row, column, value)
    elif isinstance(value, int | Decimal) or (isinstance(value, float) and math.isfinite(value)):
        worksheet.write_number(row, column, value)
    elif isinstance(value, str):  # a str subclass (a lazy translation's result, an enum)
        if value:
            worksheet.write_string(row, column, _clean_text(str(value)))
    else:  # not a number Excel can store (NaN, infinity) or not a cell value at all
        worksheet.write_string(row, column, _clean_text(str(value)))


def _xlsxwriter_width(width: float) -> float:
    """The width to give XlsxWriter so that the file stores `width` (to the pixel), as openpyxl
    did: XlsxWriter adds Calibri 11's 5-pixel padding to what it is given (7 pixels a character)."""
    pixels = round(width * 7)
    return max(pixels - 5, 0) / 7 if pixels > 12 else width


def _clean_text(text: str) -> str:
    """Drop control characters, which Excel refuses (openpyxl would raise on them, XlsxWriter
    would escape them as _x0007_). `isprintable` (in C) clears most text without the regex."""
    if text.isprintable() or not _ILLEGAL_CHARACTERS.search(text):
        return text
    return _ILLEGAL_CHARACTERS.sub("", text)


def _width_for(header: str) -> float:
    """A column as wide as its header, Chinese characters counting double, at least 10."""
    units = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in header)
    return max(10.0, units + 4.0)


# -- import ------------------------------------------------------------------------------


def read_sheet(
    data: bytes,
    *,
    expected_headers: Sequence[str] | Mapping[str, str],
    sheet: str | None = None,
    header_search_rows: int = 10,
    max_rows: int | None = None,
    limits: ImportLimits = DEFAULT_IMPORT_LIMITS,
    deadline: float | None = None,
) -> list[ImportedRow]:
    """Read the rows under the expected headers of an uploaded .xlsx.

    The header row is looked for in the first `header_search_rows` rows (offices put a
    title above the table); columns are matched by header text, ignoring spaces, line
    breaks and a "*" marking required columns, and may come in any order; other columns
    are ignored. `expected_headers` may map each header to the key the rows should use.
    Rows whose expected cells are all empty are skipped. Values: text stripped, whole
    numbers as int, dates without a time as `date`. Formulas give their cached values.

    A small upload can describe a huge sheet, so before openpyxl parses anything each
    sheet's XML is scanned once, in C, for its cells with values: a sheet with more of
    them than `limits.max_cells`, with data below row `limits.max_rows` (plus the header
    rows), or bigger unpacked than `limits.max_sheet_mb` is refused at once, and rows
    after the last value (styled but empty, often a million of them) are never parsed.
    Columns beyond `limits.max_columns` are refused, and so is a read that runs past
    `limits.max_seconds` or past `deadline` (a `time.monotonic()` value).
    `max_rows`, when given, overrides `limits.max_rows`.

    Every problem raises `WorkbookError` with a message such as "第1行缺少表头：电话".
    """
    if max_rows is not None:
        limits = dataclasses.replace(limits, max_rows=max_rows)
    result = read_sheets(
        data, {sheet: expected_headers}, header_search_rows=header_search_rows, limits=limits, deadline=deadline
    )[sheet]
    if isinstance(result, WorkbookError):
        raise result
    return result


def read_sheets(
    data: bytes,
    sheets: Mapping[str | None, Sequence[str] | Mapping[str, str]],
    *,
    header_search_rows: int = 10,
    limits: ImportLimits = DEFAULT_IMPORT_LIMITS,
    deadline: float | None = None,
) -> dict[str | None, list[ImportedRow] | WorkbookError]:
    """Read several sheets of one upload (by title; None is the first sheet), opening it once.

    A problem with the file as a whole (not a workbook, too big, too slow) raises
    `WorkbookError`; a problem with one sheet is that sheet's result, so that the user
    sees every sheet's problem at once. See `read_sheet` for how rows are read.
    """
    if not data:
        raise WorkbookError("上传的文件是空的。")
    if data.startswith(_OLE_SIGNATURE):
        raise WorkbookError(
            "这是旧版 Excel（.xls）文件或加密的工作簿，请在 Excel 中“另存为”不加密的 .xlsx 文件后再上传。"
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookError("文件不是 Excel 工作簿（.xlsx），请检查上传的文件。")
    own_deadline = time.monotonic() + limits.max_seconds
    deadline = own_deadline if deadline is None else min(deadline, own_deadline)
    try:
        trimmed = _trimmed_package(data, limits, header_search_rows, deadline)
        workbook = load_workbook(io.BytesIO(trimmed), read_only=True, data_only=True)
    except WorkbookError:
        raise
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, SyntaxError) as error:
        raise WorkbookError(
            "文件不是有效的 Excel 工作簿（.xlsx），可能已损坏，请在 Excel 中重新保存后上传。"
        ) from error
    results: dict[str | None, list[ImportedRow] | WorkbookError] = {}
    try:
        for sheet, expected_headers in sheets.items():
            keys = dict(expected_headers) if isinstance(expected_headers, Mapping) else {h: h for h in expected_headers}
            if not keys:
                raise ValueError("expected_headers must name at least one column")
            try:
                results[sheet] = _read_rows(workbook, keys, sheet, header_search_rows, limits, deadline)
            except WorkbookError as error:
                if _TIMEOUT_MARK in str(error):
                    raise
                results[sheet] = error
            except (KeyError, ValueError, TypeError, SyntaxError, zipfile.BadZipFile) as error:
                unreadable = WorkbookError("工作簿内容无法读取，可能已损坏，请在 Excel 中重新保存后上传。")
                unreadable.__cause__ = error
                results[sheet] = unreadable
    finally:
        workbook.close()
    return results


def _read_rows(
    workbook: Workbook,
    keys: dict[str, str],
    sheet: str | None,
    header_search_rows: int,
    limits: ImportLimits,
    deadline: float,
) -> list[ImportedRow]:
    max_rows = limits.max_rows
    if sheet is None:
        if not workbook.worksheets:
            raise WorkbookError("工作簿中没有工作表。")
        worksheet = workbook.worksheets[0]
    elif sheet in workbook.sheetnames:
        worksheet = workbook[sheet]
    else:
        raise WorkbookError(f"工作簿中没有名为“{sheet}”的工作表（现有：{'、'.join(workbook.sheetnames)}）。")
    # Files written by other programs often carry a wrong <dimension>, which would make a
    # read-only sheet cut off columns; ignore it.
    worksheet.reset_dimensions()
    # One column more than allowed, to notice data beyond the limit without reading further.
    width = limits.max_columns + 1
    rows = _timed(
        enumerate(worksheet.iter_rows(max_col=width, values_only=True), start=1),
        deadline,
        limits,
    )
    expected = {_normalize_header(header): header for header in keys}
    columns: dict[str, int] | None = None
    best: tuple[int, int, list[str]] | None = None  # (matches, row number, missing)
    for row_number, values in rows:
        _check_width(values, row_number, limits)
        found = _header_columns(values, expected, row_number)
        if len(found) == len(expected):
            columns = found
            break
        if found and (best is None or len(found) > best[0]):
            best = (len(found), row_number, [h for n, h in expected.items() if n not in found])
        if row_number >= header_search_rows:
            break
    if columns is None:
        if best is not None:
            raise WorkbookError(f"第{best[1]}行缺少表头：{'、'.join(best[2])}。请使用系统提供的模板，不要修改表头。")
        wanted = "、".join(f"“{h}”" for h in keys)
        raise WorkbookError(f"前{header_search_rows}行中没有找到表头（应包含{wanted}）。请使用系统提供的模板。")
    result: list[ImportedRow] = []
    for row_number, values in rows:
        _check_width(values, row_number, limits)
        record = {
            keys[header]: _value(values[index] if index < len(values) else None)
            for header, index in ((expected[n], i) for n, i in columns.items())
        }
        if all(value is None for value in record.values()):
            continue
        if len(result) >= max_rows:
            raise WorkbookError(f"数据超过{max_rows}行，请分成多个文件上传。")
        result.append(ImportedRow(row_number, record))
    return result


def _check_width(values: Sequence[object], row_number: int, limits: ImportLimits) -> None:
    if len(values) > limits.max_columns and values[limits.max_columns] is not None:
        raise WorkbookError(
            f"第{row_number}行超过{limits.max_columns}列（{get_column_letter(limits.max_columns + 1)}列有内容），"
            "请删除多余的列后再上传。"
        )


def _timed(
    rows: Iterator[tuple[int, tuple[object, ...]]], deadline: float, limits: ImportLimits
) -> Iterator[tuple[int, tuple[object, ...]]]:
    """The rows, refusing to go on past the deadline (checked every 256 rows)."""
    for row_number, values in rows:
        if row_number % 256 == 0 and time.monotonic() > deadline:
            raise WorkbookError(_timeout_message(limits))
        yield row_number, values


_TIMEOUT_MARK = "读取工作簿超过"


def _timeout_message(limits: ImportLimits) -> str:
    return f"{_TIMEOUT_MARK}{limits.max_seconds:g}秒，文件太大或太复杂，请分成多个较小的文件上传。"


def _trimmed_package(data: bytes, limits: ImportLimits, header_search_rows: int, deadline: float) -> bytes:
    """A copy of the uploaded package whose worksheets stop at their last row holding a value.

    openpyxl parses a whole sheet just to open a workbook when the sheet has no <dimension>
    (and then again to read it), which took 47 s for 500,000 empty rows in a 0.13 MB file.
    Each worksheet is scanned here first, piece by piece and without building any cell;
    oversized sheets are refused at once and empty rows after the last value are dropped.
    """
    max_bytes = limits.max_sheet_mb * 1_000_000
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            # A worksheet may be bigger unpacked than what is kept of it (trailing empty rows).
            allowed = max_bytes * (8 if _WORKSHEET_PART.search(info.filename) else 1)
            if info.file_size > allowed:
                raise WorkbookError(
                    f"工作簿中的“{info.filename}”太大（解压后超过{limits.max_sheet_mb}MB），请分成多个文件上传。"
                )
            if _WORKSHEET_PART.search(info.filename):
                with source.open(info) as part:
                    body = _trim_sheet(part, limits, header_search_rows, deadline)
            else:
                body = source.read(info)
            target.writestr(info.filename, body)
    return output.getvalue()


def _trim_sheet(part: IO[bytes], limits: ImportLimits, header_search_rows: int, deadline: float) -> bytes:
    """The worksheet XML up to the end of its last row with a value (see `_trimmed_package`).

    The first pass looks only at value tags (their number is bounded by the cell limit) and
    counts row tags in C, so empty rows cost nothing in Python; the second pass copies the
    part's bytes up to the end of the last row with a value and closes the document.
    """
    max_bytes = limits.max_sheet_mb * 1_000_000
    row_limit = limits.max_rows + header_search_rows
    root, data_tag = b"worksheet", b"sheetData"
    row_tag, value_tag, inline_tag = b"<row", b"<v", b"<is"
    data_start: int | None = None  # offset just after <sheetData>
    data_end: int | None = None  # offset just after the </row> of the last row with a value
    offset, rows_before, values, last_value_row = 0, 0, 0, 0
    awaiting_row_end = False
    carry = b""
    while chunk := part.read(_SCAN_CHUNK):
        buffer = carry + chunk
        # A tag cut at the end of this piece is scanned with the next one.
        cut = buffer.rfind(b"<")
        if cut != -1 and buffer.find(b">", cut) == -1:
            buffer, carry = buffer[:cut], buffer[cut:]
        else:
            carry = b""
        if data_start is None:
            if offset == 0 and (head := _ROOT_TAG.search(buffer)):
                root = head.group(1)
                prefix = root[: -len(b"worksheet")]
                row_tag, value_tag, inline_tag = b"<" + prefix + b"row", b"<" + prefix + b"v", b"<" + prefix + b"is"
            if opening := _DATA_TAG.search(buffer):
                data_tag = opening.group(1)
                if opening.group(2).endswith(b"/"):  # <sheetData/>: no rows at all
                    part.seek(0)
                    return part.read(offset + opening.start()) + b"<" + data_tag + b"/></" + root + b">"
                data_start = offset + opening.end()
        found = _count_tags(buffer, value_tag) + _count_tags(buffer, inline_tag)
        last_start = -1
        if found:
            values += found
            last_start = max(_last_tag(buffer, value_tag), _last_tag(buffer, inline_tag))
            tag = _last_row_tag(buffer, last_start)
            number = _ROW_ATTRIBUTE.search(tag.group(1)) if tag else None
            if number is not None:
                last_value_row = int(number.group(1))
            else:
                last_value_row = rows_before + _count_tags(buffer[:last_start], row_tag)
            awaiting_row_end = True
        if awaiting_row_end and (closing := _ROW_END.search(buffer, max(last_start, 0))):
            data_end = offset + closing.end()
            awaiting_row_end = False
        rows_before += _count_tags(buffer, row_tag)
        offset += len(buffer)
        if values > limits.max_cells:
            raise WorkbookError(f"工作表的非空单元格超过{limits.max_cells}个，请分成多个文件上传。")
        if last_value_row > row_limit:
            raise WorkbookError(f"工作表的数据超过{limits.max_rows}行（到第{last_value_row}行），请分成多个文件上传。")
        if (data_end or 0) > max_bytes:
            raise WorkbookError(f"工作表太大（解压后超过{limits.max_sheet_mb}MB），请分成多个文件上传。")
        if time.monotonic() > deadline:
            raise WorkbookError(_timeout_message(limits))
    if data_start is None:  # not a worksheet openpyxl can read: let it say so
        part.seek(0)
        return part.read()
    part.seek(0)
    body = part.read(data_end if data_end is not None else data_start)
    return body + b"</" + data_tag + b"></" + root + b">"


def _count_tags(buffer: bytes, tag: bytes) -> int:
    """How many start tags `tag` (like b"<row") the buffer holds, counted in C."""
    return sum(buffer.count(tag + end) for end in _TAG_ENDS)


def _last_tag(buffer: bytes, tag: bytes) -> int:
    """Where the last start tag `tag` begins in the buffer (-1 if none)."""
    return max(buffer.rfind(tag + end) for end in _TAG_ENDS)


def _last_row_tag(buffer: bytes, before: int) -> re.Match[bytes] | None:
    """The start tag of the row that holds the position `before`, when it is in `buffer`."""
    position = before
    while (position := buffer.rfind(b"row", 0, position)) != -1:
        start = buffer.rfind(b"<", 0, position + 1)
        if start != -1 and (match := _ROW_TAG_AT.match(buffer, start)):
            return match
    return None


def _header_columns(values: Sequence[object], expected: dict[str, str], row_number: int) -> dict[str, int]:
    """Map the normalized expected headers found in this row to their column indexes."""
    found: dict[str, int] = {}
    for index, value in enumerate(values):
        if value is None:
            continue
        name = _normalize_header(str(value))
        if name not in expected:
            continue
        if name in found:
            first, second = get_column_letter(found[name] + 1), get_column_letter(index + 1)
            raise WorkbookError(f"第{row_number}行的表头“{expected[name]}”出现了两次（{first}列和{second}列）。")
        found[name] = index
    return found


def _normalize_header(text: str) -> str:
    """Compare headers without spaces, line breaks or the * that marks required columns."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace()).strip("*")


def _value(value: object) -> CellValue:
    """Tidy a cell value: stripped text (empty → None), whole floats as int, bare dates as date."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    if value is None or isinstance(value, bool | int | float | Decimal | dt.date):
        return value
    return str(value)
