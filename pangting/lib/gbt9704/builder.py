"""A builder for Word documents laid out as GB/T 9704-2012 official documents.

The apps describe a document in the standard's own vocabulary (mark, number, title,
addressee, body, headings, attachments, signature) and get a .docx that opens in Word and
WPS with the national layout: A4, the fixed margins, 仿宋 3号 at 22 lines of 28 characters,
red mark and rules, page numbers "— 1 —" on the outer side.

Three layouts cover the product's documents:

- ``letter`` (信函格式, for 函): the mark 30 mm from the top edge with a red double rule
  under it and another near the bottom of the first page; the number flush right on the
  first line; no page number on the first page. The mark and the rules sit in the
  first-page header and footer, which is where letterhead paper has them pre-printed.
- ``document`` (for bulletins 通报 and the annual summary): the mark 35 mm below the top of
  the type area, the number centred, a red single rule, page numbers on every page.
- ``form``: the same page without a mark, for forms such as 学习安排报送表 that the caller
  builds from a title and tables.

When the context asks for them (`pangting.lib.marks`), a document carries 「内部资料 注意保存」
at the top left of its first page, where GB/T 9704 7.2.2 places 密级 (in the letter layout on
the number's line, 10.1), and every page header names who downloaded it and when.
"""

from __future__ import annotations

import datetime as dt
import enum
import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import docx
from docx.document import Document
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml.ns import qn
from docx.section import Section, _Footer
from docx.shared import Mm
from docx.table import Table
from docx.text.paragraph import Paragraph

from pangting.lib import marks as file_marks
from pangting.lib.gbt9704.formatting import format_cn_date, heading_label, text_width, validate_doc_number
from pangting.lib.gbt9704.ooxml import (
    FANGSONG,
    HEITI,
    KAITI,
    SONGTI,
    TWIPS_PER_PT,
    XIAOBIAOSONG,
    Align,
    TextStyle,
    add_border,
    add_page_field,
    add_run,
    format_paragraph,
    format_row,
    format_table,
    mm_to_twips,
    register_fonts,
    set_document_defaults,
    set_document_grid,
)
from pangting.lib.inputs import strip_xml_illegal

PAGE_WIDTH_MM = 210
PAGE_HEIGHT_MM = 297
MARGIN_TOP_MM = 37
MARGIN_BOTTOM_MM = 35
MARGIN_LEFT_MM = 28
MARGIN_RIGHT_MM = 26
TYPE_AREA_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM  # 156
# 225 mm / 22 lines = 10.23 mm = 28.95 pt: the pitch that gives 22 lines a page.
LINE_PITCH_TWIPS = 579
# 28 characters a line: 156 mm is 442.2 pt, and 28 × 16 pt = 448 pt does not fit, so body
# text is condensed by 0.25 pt a character (28 × 15.75 pt = 441 pt).
BODY_TRACKING_TWIPS = -5
# The letter's rules are 170 mm long, 7 mm wider than the type area on each side.
RULE_OUTDENT_TWIPS = mm_to_twips((170 - TYPE_AREA_WIDTH_MM) / 2)
RED = "FF0000"
# Letter layout: the mark's top edge 30 mm from the page's top edge, the lower rule 20 mm
# from the bottom edge. The header and footer distances are set so that the glyphs (not
# the line boxes) land there: glyphs sit about 1.5 mm below the top of their line.
LETTER_HEADER_DISTANCE_MM = 30 - 1.5
FOOTER_DISTANCE_MM = 20
# Page numbers: the dashes 7 mm below the type area, i.e. 28 mm above the bottom edge;
# the footer sits at 20 mm for the letter's lower rule, so the number line is lifted.
PAGE_NUMBER_LIFT_TWIPS = mm_to_twips(3.5)
# Document layout: the mark's top edge 35 mm below the top of the type area; the glyphs sit
# about 1.5 mm below the top of their line, so the space before the line is that much less.
DOCUMENT_MARK_OFFSET_MM = 35 - 1.5
# The mark is as large as fits, between these sizes; a longer one is condensed (w:w).
MARK_MAX_PT = 36
MARK_MIN_PT = 22
# Blank lines between the last line of text and the signature. With a 42 mm seal over the
# signature and date (centred a little above them), two lines keep the seal's top within
# one line of the text, as 7.3.5.1 asks.
BLANK_LINES_BEFORE_SIGNATURE = 2
# Default minimum table row height: room around 小四 text, as printed forms have.
TABLE_ROW_HEIGHT_MM = 8.0
# The date ends 4 characters from the right margin ("右空四字").
DATE_RIGHT_INDENT_CHARS = 4

BODY = TextStyle(FANGSONG, 16, tracking_twips=BODY_TRACKING_TWIPS)
# 「内部资料 注意保存」 in 3号 黑体, as the standard sets 密级 and 紧急程度 (7.2.2, 7.2.3).
INTERNAL_MARK = TextStyle(HEITI, 16)
# The watermark line at the top of every page header: small, grey, one exact line high.
WATERMARK = TextStyle(SONGTI, 9, latin=SONGTI, color="A6A6A6")
WATERMARK_LINE_TWIPS = 240
TITLE = TextStyle(XIAOBIAOSONG, 22)
HEADING_STYLES = {
    1: TextStyle(HEITI, 16, tracking_twips=BODY_TRACKING_TWIPS),
    2: TextStyle(KAITI, 16, tracking_twips=BODY_TRACKING_TWIPS),
    3: BODY,
    4: BODY,
}
ATTACHMENT_LABEL = TextStyle(HEITI, 16)
PAGE_NUMBER = TextStyle(SONGTI, 14, latin=SONGTI)
EM_DASH = "\u2014"


class Layout(enum.StrEnum):
    """The page layouts the product prints; see the module docstring."""

    LETTER = "letter"
    DOCUMENT = "document"
    FORM = "form"


@dataclass(frozen=True)
class Cell:
    """A table cell that spans columns or rows, or overrides alignment or weight.

    Rows are given like an HTML table: a cell spanning 2 columns is followed directly by the
    cell after those columns, and a slot covered by a rowspan from above is simply skipped.
    """

    text: str = ""
    colspan: int = 1
    rowspan: int = 1
    align: Align | None = None
    bold: bool | None = None


class OfficialDocumentBuilder:
    """Build one official document, element by element, in reading order::

        doc = OfficialDocumentBuilder(
            "letter", issuer_mark="中共温州职业技术学院委员会宣传部", doc_number="温职宣函〔2026〕3号"
        )
        doc.title("关于开展理论学习中心组学习巡听旁听的函")
        doc.addressee("机电工程学院党委")
        doc.paragraph("根据……")
        doc.heading(1, "巡听旁听安排")  # 一、巡听旁听安排
        doc.attachments(["学习会方案"])
        doc.signature("中共温州职业技术学院委员会宣传部", date(2026, 9, 28))
        data = doc.to_bytes()

    Each method validates its input and raises ValueError with a Chinese message, because
    the text usually comes from a form a user filled in.
    """

    def __init__(
        self,
        layout: Layout | str,
        *,
        issuer_mark: str | None = None,
        doc_number: str | None = None,
    ) -> None:
        try:
            self.layout = Layout(layout)
        except ValueError:
            raise ValueError(f"未知的版式“{layout}”，应为 letter、document 或 form。") from None
        mark = (issuer_mark or "").strip()
        if self.layout is Layout.FORM:
            if mark or doc_number:
                raise ValueError("表单版式不使用发文机关标志和发文字号。")
        elif not mark:
            raise ValueError("发文机关标志不能为空。")
        self.issuer_mark = mark
        self.doc_number = validate_doc_number(doc_number) if doc_number else None
        self._document: Document = docx.Document()
        self._heading_counters = [0, 0, 0, 0]
        self._break_before_next = False
        self._document.element.body.clear_content()
        self._marks = file_marks.current()
        self._set_up_page()
        if self.layout is Layout.LETTER:
            self._letter_masthead()
        elif self.layout is Layout.DOCUMENT:
            self._document_masthead()
        elif self._marks.internal:
            self._internal_mark_line()
        if self._marks.watermark:
            self._watermark_headers(self._marks.watermark)

    @property
    def document(self) -> Document:
        """The underlying python-docx document, for the rare case this API does not cover."""
        return self._document

    # -- elements, in reading order --------------------------------------------------

    def title(self, text: str) -> None:
        """Add a title in 2号 小标宋, centred, followed by one blank line.

        Line breaks in `text` are kept: the standard wants long titles broken by meaning
        into a trapezoid or diamond shape, which only the author can do.
        """
        lines = [line.strip() for line in text.strip().splitlines() if line.strip()] if text else []
        if not lines:
            raise ValueError("标题不能为空。")
        paragraph = self._paragraph(TITLE, align="center", snap_to_grid=False, keep_with_next=True)
        for index, line in enumerate(lines):
            run = add_run(paragraph, line, TITLE)
            if index < len(lines) - 1:
                run.add_break()
        self.blank_line()

    def addressee(self, *names: str) -> None:
        """Add the addressee line (主送机关), flush left, names joined by 、, ending in ：."""
        cleaned = [name.strip().rstrip(":：") for name in names if name and name.strip().rstrip(":：")]
        if not cleaned:
            raise ValueError("主送机关不能为空。")
        paragraph = self._paragraph(BODY, align="both")
        add_run(paragraph, "、".join(cleaned) + "：", BODY)

    def paragraph(self, text: str, *, indent: bool = True, align: Align = "both") -> None:
        """Add body text in 仿宋 3号; each line of `text` becomes a paragraph indented 2 characters."""
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
        if not lines:
            raise ValueError("正文段落不能为空。")
        for line in lines:
            paragraph = self._paragraph(BODY, align=align, first_line_chars=2 if indent else 0)
            add_run(paragraph, line, BODY)

    def heading(self, level: int, text: str, *, followed_by: str = "") -> str:
        """Add a numbered heading and return its label (一、 （一） 1. （1）).

        Numbering restarts below a higher level, as in the standard's example. Level 1 is
        黑体 and level 2 楷体; levels 3 and 4 are 仿宋 and often run into the paragraph:
        `followed_by` continues the same paragraph in body type.
        """
        if level not in HEADING_STYLES:
            raise ValueError(f"标题层级应为1到4，而不是“{level}”。")
        text = (text or "").strip()
        if not text:
            raise ValueError("标题文字不能为空。")
        self._heading_counters[level - 1] += 1
        for deeper in range(level, len(self._heading_counters)):
            self._heading_counters[deeper] = 0
        label = heading_label(level, self._heading_counters[level - 1])
        style = HEADING_STYLES[level]
        paragraph = self._paragraph(style, first_line_chars=2, keep_with_next=not followed_by.strip())
        add_run(paragraph, label + text, style)
        if followed_by.strip():
            add_run(paragraph, followed_by.strip(), BODY)
        return label

    def blank_line(self, count: int = 1) -> None:
        """Add `count` empty lines at the body's line pitch (the standard's "空一行")."""
        for _ in range(count):
            self._paragraph(BODY, align="both")

    def attachments(self, names: Sequence[str]) -> None:
        """Add the attachment note: one blank line, then ``附件：1.XXXX`` with later lines aligned.

        Trailing punctuation is dropped from the names because the standard puts none there.
        """
        cleaned = [name.strip().rstrip("。；;，,、.") for name in names if name and name.strip()]
        if not cleaned or any(not name for name in cleaned):
            raise ValueError("附件名称不能为空。")
        self.blank_line()
        if len(cleaned) == 1:
            paragraph = self._paragraph(BODY, left_chars=5, hanging_chars=3)
            add_run(paragraph, f"附件：{cleaned[0]}", BODY)
            return
        for number, name in enumerate(cleaned, start=1):
            # "附件：" is 3 characters and "1." about one: names line up 6 characters in.
            keep = number < len(cleaned)
            if number == 1:
                paragraph = self._paragraph(BODY, left_chars=6, hanging_chars=4, keep_with_next=keep)
                add_run(paragraph, f"附件：{number}.{name}", BODY)
            else:
                paragraph = self._paragraph(BODY, left_chars=6, hanging_chars=1, keep_with_next=keep)
                add_run(paragraph, f"{number}.{name}", BODY)

    def signature(self, issuer: str, date: dt.date) -> None:
        """Add the issuing body's name (发文机关署名) and the date (成文日期) for a sealed document.

        Several issuers (a joint document) are given one per line, separated by newlines.

        The date ends 4 characters from the right margin and the name is centred over it
        (7.3.5.1), leaving room for the seal that is pressed over both.
        """
        issuers = [line.strip() for line in (issuer or "").split("\n") if line.strip()]
        if not issuers:
            raise ValueError("发文机关署名不能为空。")
        date_text = format_cn_date(date)
        centre = DATE_RIGHT_INDENT_CHARS + text_width(date_text) / 2
        self.blank_line(BLANK_LINES_BEFORE_SIGNATURE)
        # Joint documents name every issuer, one per line, in the order of the masthead (7.3.5.1).
        for name in issuers:
            issuer_right = max(0.0, centre - text_width(name) / 2)
            paragraph = self._paragraph(
                BODY, align="right", right_chars=round(issuer_right * 2) / 2, keep_with_next=True
            )
            add_run(paragraph, name, BODY)
        paragraph = self._paragraph(BODY, align="right", right_chars=DATE_RIGHT_INDENT_CHARS)
        add_run(paragraph, date_text, BODY)

    def page_break(self) -> None:
        """Start the next element on a new page (e.g. an attachment, which begins on its own page)."""
        self._break_before_next = True

    def attachment_label(self, number: int | None = None) -> None:
        """Add ``附件`` or ``附件1`` in 3号 黑体 at the top left, then a blank line.

        An attachment's title then lands on the third line of the page, as the standard asks.
        """
        if number is not None and (isinstance(number, bool) or not isinstance(number, int) or number < 1):
            raise ValueError(f"附件序号应为正整数，而不是“{number}”。")
        paragraph = self._paragraph(ATTACHMENT_LABEL, align="left")
        add_run(paragraph, "附件" if number is None else f"附件{number}", ATTACHMENT_LABEL)
        self.blank_line()

    def table(
        self,
        rows: Sequence[Sequence[str | Cell]],
        widths_mm: Sequence[float],
        *,
        header_rows: int = 1,
        font_size_pt: float = 12,
        row_heights_mm: float | Sequence[float | None] = TABLE_ROW_HEIGHT_MM,
        align: Align = "center",
    ) -> Table:
        """Add a bordered table in 仿宋 with column widths in millimetres and return it.

        Header rows are bold and repeat on every page; all cells are centred vertically.
        Cells are strings or `Cell` objects that span columns/rows (HTML-style). Row heights
        are minimums: one number for every row, or one per row (None for the default), so
        that a form can leave a tall box for handwriting.
        """
        if not rows:
            raise ValueError("表格至少需要一行。")
        if not widths_mm or any(width <= 0 for width in widths_mm):
            raise ValueError("表格列宽应为正数。")
        if sum(widths_mm) > TYPE_AREA_WIDTH_MM + 0.5:
            raise ValueError(f"表格总宽度{sum(widths_mm):g}毫米超过版心宽度{TYPE_AREA_WIDTH_MM}毫米。")
        if isinstance(row_heights_mm, int | float):
            heights: list[float | None] = [float(row_heights_mm)] * len(rows)
        elif len(row_heights_mm) == len(rows):
            heights = list(row_heights_mm)
        else:
            raise ValueError("行高的个数应与表格行数一致。")
        placed = _place_cells(rows, len(widths_mm))
        table: Table = self._document.add_table(rows=len(rows), cols=len(widths_mm))
        self._break_table_before_if_needed(table)
        format_table(table, [mm_to_twips(width) for width in widths_mm])
        for row_index, row in enumerate(table.rows):
            height = heights[row_index] or TABLE_ROW_HEIGHT_MM
            format_row(
                row,
                repeat_as_header=row_index < header_rows,
                min_height_twips=mm_to_twips(height),
            )
        for (row_index, column), cell_spec in placed.items():
            cell = table.cell(row_index, column)
            if cell_spec.colspan > 1 or cell_spec.rowspan > 1:
                cell = cell.merge(table.cell(row_index + cell_spec.rowspan - 1, column + cell_spec.colspan - 1))
            is_header = row_index < header_rows
            bold = cell_spec.bold if cell_spec.bold is not None else is_header
            style = TextStyle(FANGSONG, font_size_pt, bold=bold)
            cell_align = cell_spec.align or ("center" if is_header else align)
            lines = cell_spec.text.split("\n") if cell_spec.text else [""]
            for line_index, line in enumerate(lines):
                paragraph = cell.paragraphs[0] if line_index == 0 else cell.add_paragraph()
                format_paragraph(paragraph, style, align=cell_align, snap_to_grid=False)
                if line:
                    add_run(paragraph, line, style)
        return table

    # -- output ------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Return the .docx file's content."""
        buffer = io.BytesIO()
        self._document.save(buffer)
        return buffer.getvalue()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the .docx file to `path`."""
        self._document.save(os.fspath(path))

    # -- layout ------------------------------------------------------------------------

    def _paragraph(
        self,
        style: TextStyle,
        *,
        align: Align = "both",
        first_line_chars: float = 0,
        hanging_chars: float = 0,
        left_chars: float = 0,
        right_chars: float = 0,
        snap_to_grid: bool = True,
        keep_with_next: bool = False,
    ) -> Paragraph:
        """Append a body paragraph at the standard line pitch, honouring a pending page break."""
        paragraph = self._document.add_paragraph()
        format_paragraph(
            paragraph,
            style,
            align=align,
            first_line_chars=first_line_chars,
            hanging_chars=hanging_chars,
            left_chars=left_chars,
            right_chars=right_chars,
            line_twips=_line_twips(style),
            snap_to_grid=snap_to_grid,
            page_break_before=self._break_before_next,
            keep_with_next=keep_with_next,
        )
        self._break_before_next = False
        return paragraph

    def _break_table_before_if_needed(self, table: Table) -> None:
        """A table cannot carry pageBreakBefore; put an empty paragraph with it before the table."""
        if not self._break_before_next:
            return
        paragraph = self._paragraph(BODY)
        table._tbl.addprevious(paragraph._p)

    def _set_up_page(self) -> None:
        """A4, the standard margins, the 22 × 28 grid and 仿宋 3号 as the document default."""
        section: Section = self._document.sections[0]
        section.page_width = Mm(PAGE_WIDTH_MM)
        section.page_height = Mm(PAGE_HEIGHT_MM)
        section.top_margin = Mm(MARGIN_TOP_MM)
        section.bottom_margin = Mm(MARGIN_BOTTOM_MM)
        section.left_margin = Mm(MARGIN_LEFT_MM)
        section.right_margin = Mm(MARGIN_RIGHT_MM)
        section.gutter = Mm(0)
        section.header_distance = Mm(LETTER_HEADER_DISTANCE_MM)
        section.footer_distance = Mm(FOOTER_DISTANCE_MM)
        set_document_grid(section._sectPr, line_pitch_twips=LINE_PITCH_TWIPS)
        set_document_defaults(self._document, BODY, line_twips=LINE_PITCH_TWIPS)
        register_fonts(self._document)
        core = self._document.core_properties
        core.author = strip_xml_illegal(self.issuer_mark or "")
        core.language = "zh-CN"
        if self.layout is not Layout.FORM:
            self._page_numbers(section)

    def _page_numbers(self, section: Section) -> None:
        """Footers "— N —" in 4号 宋体: odd pages right, even pages left, one character in."""
        self._document.settings.odd_and_even_pages_header_footer = True
        sides: list[tuple[_Footer, Align]] = [(section.footer, "right"), (section.even_page_footer, "left")]
        for footer, align in sides:
            footer.is_linked_to_previous = False
            paragraph = footer.paragraphs[0]
            format_paragraph(
                paragraph,
                PAGE_NUMBER,
                align=align,
                right_chars=1 if align == "right" else 0,
                left_chars=1 if align == "left" else 0,
                after_twips=PAGE_NUMBER_LIFT_TWIPS,
                snap_to_grid=False,
            )
            add_run(paragraph, f"{EM_DASH} ", PAGE_NUMBER)
            add_page_field(paragraph, PAGE_NUMBER)
            add_run(paragraph, f" {EM_DASH}", PAGE_NUMBER)

    def _mark_style(self) -> TextStyle:
        """The largest 小标宋 size at which the mark fits the type area; condensed below 22 pt."""
        available_pt = TYPE_AREA_WIDTH_MM / 25.4 * 72
        # Joint documents (联合行文) stack one issuer per line: the widest line decides.
        widest = max(text_width(line) for line in self.issuer_mark.split("\n"))
        size = min(MARK_MAX_PT, math.floor(available_pt / widest * 2) / 2)
        scale = None
        if size < MARK_MIN_PT:
            scale = max(33, math.floor(100 * size / MARK_MIN_PT))
            size = MARK_MIN_PT
        return TextStyle(XIAOBIAOSONG, size, color=RED, scale=scale)

    def _letter_masthead(self) -> None:
        """Mark and double rules on the first page only; the number flush right on line one."""
        section = self._document.sections[0]
        section.different_first_page_header_footer = True
        mark_style = self._mark_style()
        mark = section.first_page_header.paragraphs[0]
        format_paragraph(mark, mark_style, align="center", line_twips=_line_twips(mark_style), snap_to_grid=False)
        add_run(mark, self.issuer_mark, mark_style)
        # Thick line above the thin one ("上粗下细"): the thick line is the inner one.
        add_border(mark, "bottom", val="thickThinSmallGap", size_eighths=24, color=RED, space_pt=6)
        _set_outdent(mark)
        rule = section.first_page_footer.paragraphs[0]
        format_paragraph(rule, PAGE_NUMBER, align="center", line_twips=TWIPS_PER_PT, snap_to_grid=False)
        # Thin line above the thick one ("上细下粗").
        add_border(rule, "bottom", val="thinThickSmallGap", size_eighths=24, color=RED, space_pt=0)
        _set_outdent(rule)
        if self._marks.internal:
            # 10.1: 密级 flush left and the number flush right, on the first line.
            paragraph = self._internal_mark_line()
            if self.doc_number:
                paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(TYPE_AREA_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
                add_run(paragraph, "\t" + self.doc_number, BODY)
        elif self.doc_number:
            paragraph = self._paragraph(BODY, align="right")
            add_run(paragraph, self.doc_number, BODY)
        self.blank_line(2)

    def _document_masthead(self) -> None:
        """Mark 35 mm into the type area, two blank lines, number centred over a red rule."""
        mark_style = self._mark_style()
        offset_twips = mm_to_twips(DOCUMENT_MARK_OFFSET_MM)
        if self._marks.internal:
            # The internal mark takes the first line of the 35 mm above the issuing-body mark.
            self._internal_mark_line()
            offset_twips -= _line_twips(INTERNAL_MARK)
        mark = self._document.add_paragraph()
        format_paragraph(
            mark,
            mark_style,
            align="center",
            line_twips=_line_twips(mark_style),
            before_twips=offset_twips,
            snap_to_grid=False,
        )
        add_run(mark, self.issuer_mark, mark_style)
        self.blank_line(2)
        number = self._paragraph(BODY, align="center")
        if self.doc_number:
            add_run(number, self.doc_number, BODY)
        # "发文字号之下4 mm处印一条与版心等宽的红色分隔线"
        add_border(number, "bottom", val="single", size_eighths=12, color=RED, space_pt=5)
        self.blank_line(2)

    def _internal_mark_line(self) -> Paragraph:
        """「内部资料 注意保存」 flush left on the first line of the type area (7.2.2)."""
        paragraph = self._paragraph(INTERNAL_MARK, align="left")
        add_run(paragraph, self._marks.internal, INTERNAL_MARK)
        return paragraph

    def _watermark_headers(self, text: str) -> None:
        """A grey line naming who downloaded the document and when, atop every page's header.

        The line is put before whatever a header holds, and the header moves up by its height,
        so the letter's mark stays 30 mm from the top edge.
        """
        section: Section = self._document.sections[0]
        headers = [section.header]
        if self._document.settings.odd_and_even_pages_header_footer:
            headers.append(section.even_page_header)
        if section.different_first_page_header_footer:
            headers.append(section.first_page_header)
        for header in headers:
            header.is_linked_to_previous = False
            first = header.paragraphs[0]
            paragraph = first.insert_paragraph_before() if first.text or len(first.runs) else first
            format_paragraph(paragraph, WATERMARK, align="right", line_twips=WATERMARK_LINE_TWIPS, snap_to_grid=False)
            add_run(paragraph, text, WATERMARK)
        section.header_distance = Mm(LETTER_HEADER_DISTANCE_MM - WATERMARK_LINE_TWIPS / TWIPS_PER_PT * 25.4 / 72)


def _line_twips(style: TextStyle) -> int:
    """Exact line height: the grid pitch for text up to 3号, 1.25 × the size for larger type."""
    return max(LINE_PITCH_TWIPS, round(style.size_pt * 1.25 * TWIPS_PER_PT))


def _set_outdent(paragraph: Paragraph) -> None:
    """Widen `paragraph` to 170 mm, the letter rules' length, centred on the type area."""
    ind = paragraph._p.get_or_add_pPr().find(qn("w:ind"))
    for attribute in list(ind.attrib):
        del ind.attrib[attribute]
    ind.set(qn("w:left"), str(-RULE_OUTDENT_TWIPS))
    ind.set(qn("w:right"), str(-RULE_OUTDENT_TWIPS))


def _place_cells(rows: Sequence[Sequence[str | Cell]], columns: int) -> dict[tuple[int, int], Cell]:
    """Lay HTML-style rows onto the grid; return each cell's top-left slot, or raise ValueError."""
    occupied: set[tuple[int, int]] = set()
    placed: dict[tuple[int, int], Cell] = {}
    for row_index, row in enumerate(rows):
        column = 0
        for item in row:
            cell = item if isinstance(item, Cell) else Cell(str(item) if item is not None else "")
            if cell.colspan < 1 or cell.rowspan < 1:
                raise ValueError(f"表格第{row_index + 1}行的合并单元格跨度应为正整数。")
            while (row_index, column) in occupied:
                column += 1
            if column + cell.colspan > columns or row_index + cell.rowspan > len(rows):
                raise ValueError(f"表格第{row_index + 1}行的单元格超出了表格范围（共{columns}列）。")
            for r in range(row_index, row_index + cell.rowspan):
                for c in range(column, column + cell.colspan):
                    if (r, c) in occupied:
                        raise ValueError(f"表格第{r + 1}行第{c + 1}列被两个合并单元格同时占用。")
                    occupied.add((r, c))
            placed[(row_index, column)] = cell
            column += cell.colspan
        filled = sum(1 for r, _ in occupied if r == row_index)
        if filled != columns:
            raise ValueError(f"表格第{row_index + 1}行有{filled}列，应为{columns}列。")
    return placed
