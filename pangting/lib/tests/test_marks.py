"""Watermarks and the internal-material mark in exported files (pangting.lib.marks).

The files are opened again with python-docx and openpyxl, as a reader's Word or Excel would.
"""

import io

import docx
import pytest
from docx.shared import Mm
from openpyxl import load_workbook

from pangting.lib.gbt9704 import OfficialDocumentBuilder
from pangting.lib.gbt9704.builder import LETTER_HEADER_DISTANCE_MM
from pangting.lib.marks import INTERNAL_MARK, NO_MARKS, Marks, applied, current
from pangting.lib.xlsx import Sheet, write_workbook

MARK = "中共温州职业技术学院委员会宣传部"
WATERMARK = "张秘书 mishu 2026-12-05 14:03"


def _build(layout: str, marks: Marks) -> docx.document.Document:
    kwargs = {} if layout == "form" else {"issuer_mark": MARK, "doc_number": "温职宣函〔2026〕3号"}
    with applied(marks):
        builder = OfficialDocumentBuilder(layout, **kwargs)
    builder.title("关于开展巡听旁听的函")
    builder.paragraph("根据年度计划……")
    return docx.Document(io.BytesIO(builder.to_bytes()))


def _header_texts(document: docx.document.Document) -> list[str]:
    section = document.sections[0]
    headers = [section.header]
    if document.settings.odd_and_even_pages_header_footer:
        headers.append(section.even_page_header)
    if section.different_first_page_header_footer:
        headers.append(section.first_page_header)
    return [header.paragraphs[0].text for header in headers]


def test_it_restores_the_previous_marks_after_the_block():
    with applied(Marks(watermark="甲")):
        with applied(Marks(watermark="乙")):
            assert current().watermark == "乙"
        assert current().watermark == "甲"
    assert current() == NO_MARKS


def test_it_keeps_a_mark_on_one_line():
    assert Marks(watermark="张三\n mishu\t2026").watermark == "张三 mishu 2026"


@pytest.mark.parametrize("layout", ["letter", "document", "form"])
def test_it_puts_the_watermark_atop_every_page_header(layout):
    document = _build(layout, Marks(watermark=WATERMARK))
    assert _header_texts(document) and all(text == WATERMARK for text in _header_texts(document))


def test_it_keeps_the_letter_mark_30_mm_from_the_top_when_watermarked():
    document = _build("letter", Marks(watermark=WATERMARK))
    section = document.sections[0]
    first = [p.text for p in section.first_page_header.paragraphs]
    assert first[:2] == [WATERMARK, MARK]
    # The header moves up by the watermark's one exact line (12 pt), so the mark stays put.
    assert abs(section.header_distance - Mm(LETTER_HEADER_DISTANCE_MM - 12 * 25.4 / 72)) < Mm(0.1)


def test_it_writes_nothing_extra_without_marks():
    document = _build("letter", NO_MARKS)
    body = [p.text for p in document.paragraphs if p.text]
    assert INTERNAL_MARK not in "".join(body)
    assert not any(text for text in _header_texts(document)[:1])
    assert body[0] == "温职宣函〔2026〕3号"


def test_it_puts_the_internal_mark_on_the_letters_number_line():
    """GB/T 9704 10.1: in the letter layout 密级 is flush left and the number flush right, line one."""
    document = _build("letter", Marks(internal=INTERNAL_MARK))
    first = document.paragraphs[0]
    assert first.text == f"{INTERNAL_MARK}\t温职宣函〔2026〕3号"
    (stop,) = first.paragraph_format.tab_stops
    assert abs(stop.position - Mm(156)) < Mm(0.1)  # the right edge of the type area


@pytest.mark.parametrize("layout", ["document", "form"])
def test_it_puts_the_internal_mark_first_at_the_top_left(layout):
    """GB/T 9704 7.2.2: such marks go top left on the first line of the first page."""
    document = _build(layout, Marks(internal=INTERNAL_MARK))
    first = document.paragraphs[0]
    assert first.text == INTERNAL_MARK
    assert first.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.LEFT


def test_it_keeps_the_document_mark_35_mm_into_the_type_area_with_an_internal_mark():
    plain = _build("document", NO_MARKS).paragraphs[0]
    marked = _build("document", Marks(internal=INTERNAL_MARK)).paragraphs
    line = marked[0].paragraph_format.line_spacing
    assert marked[1].text == MARK
    assert marked[1].paragraph_format.space_before + line == plain.paragraph_format.space_before


def test_it_prints_the_watermark_in_every_sheets_header_and_footer():
    sheets = [Sheet("学习会", ["日期"], [["2026-09-01"]]), Sheet("考勤", ["姓名"], [["张三"]])]
    with applied(Marks(watermark="王&李 wang 2026-12-05 14:03")):
        data = write_workbook(sheets)
    workbook = load_workbook(io.BytesIO(data))
    for worksheet in workbook.worksheets:
        # "&" is Excel's code character: stored doubled, shown single.
        assert worksheet.oddHeader.right.text == "王&&李 wang 2026-12-05 14:03"
        assert worksheet.oddFooter.left.text == "王&&李 wang 2026-12-05 14:03"


def test_it_prints_no_header_without_a_watermark():
    workbook = load_workbook(io.BytesIO(write_workbook([Sheet("学习会", ["日期"], [])])))
    assert not workbook.active.oddHeader.right.text
