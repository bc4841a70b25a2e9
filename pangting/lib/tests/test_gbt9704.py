import datetime as dt
import io
import re
import shutil
import subprocess

import docx
import pytest
from docx.document import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.text.paragraph import Paragraph
from lxml import etree

from pangting.lib import gbt9704
from pangting.lib.gbt9704 import (
    FONTCONFIG_FILE,
    Cell,
    OfficialDocumentBuilder,
    PdfConversionError,
    chinese_numeral,
    convert_to_pdf,
    format_cn_date,
    format_doc_number,
    heading_label,
    validate_doc_number,
)

TWIPS_PER_MM = 1440 / 25.4
MARK = "中共温州职业技术学院委员会宣传部"
LETTER_TITLE = "关于开展理论学习中心组学习巡听旁听的函"
BODY_TEXT = "根据学校党委年度理论学习计划安排，经研究，定于近期对你单位理论学习中心组学习情况进行巡听旁听。"


def build_letter(body_paragraphs: int = 3) -> OfficialDocumentBuilder:
    doc = OfficialDocumentBuilder("letter", issuer_mark=MARK, doc_number="温职宣函〔2026〕3号")
    doc.title(LETTER_TITLE)
    doc.addressee("机电工程学院党委")
    doc.paragraph(BODY_TEXT)
    doc.heading(1, "巡听旁听安排")
    doc.heading(2, "时间地点。", followed_by="2026年10月13日下午，行政楼301会议室。")
    for _ in range(body_paragraphs):
        doc.paragraph(BODY_TEXT)
    doc.attachments(["学习会方案", "学习安排报送表"])
    doc.signature(MARK, dt.date(2026, 9, 28))
    return doc


def build_bulletin(body_paragraphs: int = 3) -> OfficialDocumentBuilder:
    doc = OfficialDocumentBuilder("document", issuer_mark=MARK, doc_number="温职宣〔2026〕12号")
    doc.title("关于2026年第三季度理论学习中心组\n学习情况的通报")
    doc.addressee("各二级党组织", "各部门")
    for _ in range(body_paragraphs):
        doc.paragraph(BODY_TEXT)
    doc.heading(1, "基本情况")
    doc.table([["序号", "单位", "集中学习次数"], ["1", "机电工程学院", "3"]], [20, 96, 40])
    doc.signature(MARK, dt.date(2026, 9, 8))
    return doc


def reopen(builder: OfficialDocumentBuilder) -> Document:
    return docx.Document(io.BytesIO(builder.to_bytes()))


def paragraph_with(document: Document, text: str) -> Paragraph:
    return next(p for p in document.paragraphs if text in p.text)


def east_asian_font(run_or_paragraph_element) -> str | None:
    fonts = run_or_paragraph_element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def border(paragraph: Paragraph, side: str):
    return paragraph._p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn(f'w:{side}')}")


# -- page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["letter", "document", "form"])
def test_it_lays_out_an_a4_page_with_the_standard_margins(layout):
    mark = None if layout == "form" else MARK
    section = reopen(OfficialDocumentBuilder(layout, issuer_mark=mark)).sections[0]
    expected = {
        "page_width": 210,
        "page_height": 297,
        "top_margin": 37,
        "bottom_margin": 35,
        "left_margin": 28,
        "right_margin": 26,
    }
    for name, millimetres in expected.items():
        assert getattr(section, name).mm == pytest.approx(millimetres, abs=0.1), name


def test_it_sets_a_line_grid_of_22_lines_and_condenses_body_text_to_28_characters():
    document = reopen(build_letter())
    grid = document.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines"
    assert grid.get(qn("w:linePitch")) == "579"  # 28.95 pt × 22 lines = 225 mm
    body = paragraph_with(document, BODY_TEXT)
    spacing = body._p.find(f"{qn('w:pPr')}/{qn('w:spacing')}")
    assert (spacing.get(qn("w:line")), spacing.get(qn("w:lineRule"))) == ("579", "exact")
    tracking = int(body.runs[0]._r.find(f"{qn('w:rPr')}/{qn('w:spacing')}").get(qn("w:val")))
    type_area_pt = Mm(156).pt
    assert 28 * (16 + tracking / 20) <= type_area_pt < 29 * (16 + tracking / 20)


# -- fonts ---------------------------------------------------------------------------------


def test_it_gives_every_run_an_east_asian_font_and_body_text_fangsong():
    document = reopen(build_letter())
    runs = [run for paragraph in document.paragraphs for run in paragraph.runs]
    assert runs
    assert all(east_asian_font(run._r) for run in runs)
    for paragraph in document.paragraphs:
        if BODY_TEXT in paragraph.text or paragraph.text in ("机电工程学院党委：", "2026年9月28日"):
            fonts = run_fonts(paragraph)
            assert fonts == {("仿宋_GB2312", "Times New Roman")}, paragraph.text


def run_fonts(paragraph: Paragraph) -> set[tuple[str | None, str | None]]:
    result = set()
    for run in paragraph.runs:
        fonts = run._r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        result.add((fonts.get(qn("w:eastAsia")), fonts.get(qn("w:ascii"))))
    return result


def test_it_sets_the_title_in_2hao_xiaobiaosong_centred():
    title = paragraph_with(reopen(build_letter()), LETTER_TITLE)
    assert {east_asian_font(run._r) for run in title.runs} == {"方正小标宋简体"}
    assert {run.font.size.pt for run in title.runs} == {22}
    assert title.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER


def test_it_keeps_the_line_breaks_of_a_multi_line_title():
    title = paragraph_with(reopen(build_bulletin()), "学习情况的通报")
    assert title.text == "关于2026年第三季度理论学习中心组\n学习情况的通报"


def test_it_makes_fangsong_3hao_the_document_default_for_text_typed_later():
    document = reopen(build_letter())
    defaults = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}")
    fonts = defaults.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert fonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would override the name
    normal = document.styles["Normal"]
    assert normal.font.size.pt == 16
    assert normal.element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}").get(qn("w:eastAsia")) == "仿宋_GB2312"
    lang = defaults.find(f"{qn('w:rPr')}/{qn('w:lang')}")
    assert lang.get(qn("w:eastAsia")) == "zh-CN"


def test_it_describes_the_chinese_fonts_in_the_font_table():
    package = reopen(build_letter()).part.package
    font_table = next(part for part in package.iter_parts() if part.partname.endswith("fontTable.xml"))
    names = {font.get(qn("w:name")) for font in etree.fromstring(font_table.blob)}
    assert {"仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"} <= names


# -- document number and date --------------------------------------------------------------


def test_it_formats_a_document_number_with_hexagonal_brackets():
    number = format_doc_number("温职宣函", 2026, 3)
    assert number == "温职宣函〔2026〕3号"
    assert "\u3014" in number and "\u3015" in number
    assert validate_doc_number(number) == number


@pytest.mark.parametrize(
    ("abbr", "year", "seq", "message"),
    [
        ("", 2026, 3, "机关代字不能为空"),
        ("温职 宣函", 2026, 3, "不能包含空格或括号"),
        ("温职宣函", 26, 3, "四位数字"),
        ("温职宣函", 2026, 0, "正整数"),
        ("温职宣函第", 2026, 3, "不加“第”字"),
    ],
)
def test_it_refuses_bad_document_number_parts(abbr, year, seq, message):
    with pytest.raises(ValueError, match=message):
        format_doc_number(abbr, year, seq)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("温职宣函[2026]3号", "六角括号"),
        ("温职宣函（2026）3号", "六角括号"),
        ("温职宣函〔2026〕第3号", "不加“第”字"),
        ("温职宣函〔2026〕03号", "不编虚位"),
        ("温职宣函〔26〕3号", "格式不正确"),
        ("", "不能为空"),
    ],
)
def test_it_names_the_mistake_in_a_bad_document_number(number, message):
    with pytest.raises(ValueError, match=message):
        validate_doc_number(number)


def test_it_refuses_to_build_with_a_bad_document_number():
    with pytest.raises(ValueError, match="六角括号"):
        OfficialDocumentBuilder("letter", issuer_mark=MARK, doc_number="温职宣函【2026】3号")


def test_it_writes_dates_with_arabic_numerals_and_no_zero_padding():
    assert format_cn_date(dt.date(2026, 9, 8)) == "2026年9月8日"
    assert format_cn_date(dt.date(2021, 11, 15)) == "2021年11月15日"


# -- masthead ------------------------------------------------------------------------------


def test_it_prints_the_document_mark_in_red_and_rules_red_under_the_centred_number():
    document = reopen(build_bulletin())
    mark = document.paragraphs[0]
    assert mark.text == MARK
    assert {str(run.font.color.rgb) for run in mark.runs} == {"FF0000"}
    assert {east_asian_font(run._r) for run in mark.runs} == {"方正小标宋简体"}
    number = paragraph_with(document, "温职宣〔2026〕12号")
    assert number.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    rule = border(number, "bottom")
    assert (rule.get(qn("w:val")), rule.get(qn("w:color"))) == ("single", "FF0000")


def test_it_puts_the_letter_mark_and_its_red_double_rules_on_the_first_page_only():
    document = reopen(build_letter())
    section = document.sections[0]
    assert section.different_first_page_header_footer  # w:titlePg
    mark = section.first_page_header.paragraphs[0]
    assert mark.text == MARK
    assert {str(run.font.color.rgb) for run in mark.runs} == {"FF0000"}
    upper = border(mark, "bottom")
    assert (upper.get(qn("w:val")), upper.get(qn("w:color"))) == ("thickThinSmallGap", "FF0000")
    lower_paragraph = section.first_page_footer.paragraphs[0]
    lower = border(lower_paragraph, "bottom")
    assert (lower.get(qn("w:val")), lower.get(qn("w:color"))) == ("thinThickSmallGap", "FF0000")
    for paragraph in (mark, lower_paragraph):
        outdent_mm = -int(indent(paragraph).get(qn("w:left"))) / TWIPS_PER_MM
        assert 156 + 2 * outdent_mm == pytest.approx(170, abs=0.1)
    assert section.header.is_linked_to_previous  # later pages have no mark


def test_it_shows_no_page_number_on_the_letters_first_page():
    section = reopen(build_letter()).sections[0]
    assert "PAGE" not in section.first_page_footer._element.xml
    assert "PAGE" in section.footer._element.xml


def test_it_puts_the_letters_number_flush_right_on_the_first_line():
    document = reopen(build_letter())
    number = document.paragraphs[0]
    assert number.text == "温职宣函〔2026〕3号"
    assert number.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT


# -- page numbers --------------------------------------------------------------------------


def test_it_numbers_pages_with_a_page_field_right_on_odd_and_left_on_even_pages():
    document = reopen(build_bulletin())
    assert document.settings.odd_and_even_pages_header_footer  # w:evenAndOddHeaders
    section = document.sections[0]
    for footer, alignment in ((section.footer, "right"), (section.even_page_footer, "left")):
        paragraph = footer.paragraphs[0]
        xml = paragraph._p.xml
        assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
        assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", xml)
        assert paragraph.text == "— 1 —"  # the cached result until the reader updates fields
        assert paragraph._p.find(f"{qn('w:pPr')}/{qn('w:jc')}").get(qn("w:val")) == alignment
        assert {east_asian_font(run._r) for run in paragraph.runs} == {"宋体"}
        assert {run.font.size.pt for run in paragraph.runs} == {14}


# -- body ----------------------------------------------------------------------------------


def test_it_indents_body_paragraphs_by_two_characters():
    body = paragraph_with(reopen(build_letter()), BODY_TEXT)
    assert indent(body).get(qn("w:firstLineChars")) == "200"


def test_it_ends_the_addressee_with_a_full_width_colon():
    document = reopen(build_bulletin())
    assert paragraph_with(document, "各二级党组织").text == "各二级党组织、各部门："


def test_it_numbers_headings_level_by_level_and_restarts_below_a_higher_level():
    doc = OfficialDocumentBuilder("document", issuer_mark=MARK)
    labels = [
        doc.heading(1, "基本情况"),
        doc.heading(2, "学习开展"),
        doc.heading(3, "集中学习。"),
        doc.heading(4, "专题研讨。"),
        doc.heading(4, "交流发言。"),
        doc.heading(2, "存在问题"),
        doc.heading(3, "计划执行。"),
        doc.heading(1, "下一步工作"),
        doc.heading(2, "加强督导"),
    ]
    assert labels == ["一、", "（一）", "1.", "（1）", "（2）", "（二）", "1.", "二、", "（一）"]
    document = reopen(doc)
    assert paragraph_with(document, "基本情况").text == "一、基本情况"
    assert {east_asian_font(r._r) for r in paragraph_with(document, "基本情况").runs} == {"黑体"}
    assert {east_asian_font(r._r) for r in paragraph_with(document, "学习开展").runs} == {"楷体_GB2312"}
    assert {east_asian_font(r._r) for r in paragraph_with(document, "集中学习").runs} == {"仿宋_GB2312"}


def test_it_continues_a_run_in_heading_in_body_type():
    paragraph = paragraph_with(reopen(build_letter()), "时间地点")
    assert paragraph.text == "（一）时间地点。2026年10月13日下午，行政楼301会议室。"
    assert [east_asian_font(run._r) for run in paragraph.runs] == ["楷体_GB2312", "仿宋_GB2312"]


@pytest.mark.parametrize(
    ("number", "numeral"),
    [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"), (99, "九十九")],
)
def test_it_writes_chinese_numerals_as_documents_do(number, numeral):
    assert chinese_numeral(number) == numeral


def test_it_refuses_heading_numbers_it_cannot_write():
    with pytest.raises(ValueError, match="1到99"):
        chinese_numeral(100)
    with pytest.raises(ValueError, match="层级"):
        heading_label(5, 1)


def test_it_writes_the_attachment_note_with_numbered_aligned_names():
    document = reopen(build_letter())
    first = paragraph_with(document, "学习会方案")
    second = paragraph_with(document, "学习安排报送表")
    assert first.text == "附件：1.学习会方案"
    assert second.text == "2.学习安排报送表"
    # Both names start 6 characters in: "附件：1." hangs 4 characters, "2." one.
    assert indent(first).get(qn("w:leftChars")) == indent(second).get(qn("w:leftChars")) == "600"
    assert (indent(first).get(qn("w:hangingChars")), indent(second).get(qn("w:hangingChars"))) == ("400", "100")


def indent(paragraph: Paragraph):
    return paragraph._p.find(f"{qn('w:pPr')}/{qn('w:ind')}")


def test_it_places_the_date_four_characters_from_the_right_with_the_signature_centred_over_it():
    document = reopen(build_bulletin())
    date = paragraph_with(document, "2026年9月8日")
    assert date.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    assert indent(date).get(qn("w:rightChars")) == "400"
    paragraphs = document.paragraphs
    signature = paragraphs[paragraphs.index(next(p for p in paragraphs if p._p is date._p)) - 1]
    assert signature.text == MARK
    assert signature.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda doc: doc.title("  "), "标题不能为空"),
        (lambda doc: doc.addressee("", " "), "主送机关不能为空"),
        (lambda doc: doc.paragraph(""), "正文段落不能为空"),
        (lambda doc: doc.heading(5, "标题"), "标题层级"),
        (lambda doc: doc.heading(1, ""), "标题文字不能为空"),
        (lambda doc: doc.attachments([]), "附件名称不能为空"),
        (lambda doc: doc.signature("", dt.date(2026, 9, 8)), "署名不能为空"),
    ],
)
def test_it_refuses_empty_parts_with_a_chinese_message(action, message):
    doc = OfficialDocumentBuilder("letter", issuer_mark=MARK)
    with pytest.raises(ValueError, match=message):
        action(doc)


def test_it_refuses_a_mark_on_a_form_and_a_letter_without_one():
    with pytest.raises(ValueError, match="发文机关标志不能为空"):
        OfficialDocumentBuilder("letter")
    with pytest.raises(ValueError, match="表单版式"):
        OfficialDocumentBuilder("form", issuer_mark=MARK)
    with pytest.raises(ValueError, match="未知的版式"):
        OfficialDocumentBuilder("memo", issuer_mark=MARK)


# -- tables and forms ----------------------------------------------------------------------


def test_it_builds_a_bordered_table_with_widths_in_mm_a_bold_header_and_merged_cells():
    doc = OfficialDocumentBuilder("form")
    doc.title("学习安排报送表")
    table = doc.table(
        [
            ["项目", "内容", "项目", "内容"],
            [Cell("单位（盖章）", rowspan=2), Cell("机电工程学院党委", colspan=3)],
            ["时间", "", ""],
        ],
        [30, 48, 30, 48],
    )
    assert table is not None
    document = reopen(doc)
    table = document.tables[0]
    widths = [round(int(col.get(qn("w:w"))) / TWIPS_PER_MM, 1) for col in table._tbl.tblGrid]
    assert widths == [30, 48, 30, 48]
    assert table._tbl.tblPr.find(f"{qn('w:tblLayout')}").get(qn("w:type")) == "fixed"
    assert table._tbl.tblPr.find(f"{qn('w:tblBorders')}/{qn('w:insideH')}").get(qn("w:val")) == "single"
    header = table.rows[0]
    assert header._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
    assert all(run.font.bold for cell in header.cells for p in cell.paragraphs for run in p.runs)
    assert not any(run.font.bold for p in table.cell(2, 1).paragraphs for run in p.runs)
    assert table.cell(1, 1).text == "机电工程学院党委"
    assert table.cell(1, 1)._tc.grid_span == 3
    assert table.cell(2, 0).text == "单位（盖章）"  # covered by the rowspan
    assert table.cell(2, 1).text == "时间"
    assert all(
        tc.find(f"{qn('w:tcPr')}/{qn('w:vAlign')}").get(qn("w:val")) == "center" for tc in table._tbl.iter(qn("w:tc"))
    )
    assert {east_asian_font(r._r) for r in table.cell(1, 1).paragraphs[0].runs} == {"仿宋_GB2312"}


@pytest.mark.parametrize(
    ("rows", "widths", "message"),
    [
        ([["a", "b"], ["c"]], [50, 50], "第2行有1列，应为2列"),
        ([[Cell("a", colspan=3)]], [50, 50], "超出了表格范围"),
        ([["a"]], [100, 100], "超过版心宽度"),
        ([], [50], "至少需要一行"),
    ],
)
def test_it_refuses_tables_that_do_not_fit_their_grid(rows, widths, message):
    with pytest.raises(ValueError, match=message):
        OfficialDocumentBuilder("form").table(rows, widths)


def test_it_starts_an_attachment_on_a_new_page_with_its_label_in_heiti():
    doc = build_letter()
    doc.page_break()
    doc.attachment_label(1)
    doc.title("学习安排报送表")
    document = reopen(doc)
    label = paragraph_with(document, "附件1")
    assert label.paragraph_format.page_break_before
    assert {east_asian_font(run._r) for run in label.runs} == {"黑体"}


def test_it_leaves_a_form_without_mark_or_page_numbers():
    document = reopen(OfficialDocumentBuilder("form"))
    section = document.sections[0]
    assert section.footer.is_linked_to_previous and section.header.is_linked_to_previous
    assert not section.different_first_page_header_footer
    assert "FF0000" not in document.element.xml


def test_it_saves_to_a_path(tmp_path):
    path = tmp_path / "letter.docx"
    build_letter().save(path)
    assert docx.Document(str(path)).paragraphs[0].text == "温职宣函〔2026〕3号"


# -- fonts for the server and PDF ----------------------------------------------------------


def test_it_maps_the_standard_font_names_to_noto_in_its_fontconfig_file():
    root = etree.parse(str(FONTCONFIG_FILE)).getroot()
    assert root.find("include").text == "/etc/fonts/fonts.conf"
    aliases = {alias.findtext("family"): alias.findtext("*/family") for alias in root.iter("alias")}
    serif = ["仿宋_GB2312", "仿宋", "FangSong", "方正小标宋简体", "宋体", "SimSun", "楷体_GB2312", "楷体", "KaiTi"]
    assert all(aliases[name] == "Noto Serif CJK SC" for name in serif)
    assert aliases["黑体"] == aliases["SimHei"] == "Noto Sans CJK SC"


def test_it_says_clearly_when_libreoffice_is_missing(monkeypatch):
    monkeypatch.setattr(gbt9704.pdf.shutil, "which", lambda name: None)
    with pytest.raises(PdfConversionError, match="未找到 LibreOffice"):
        convert_to_pdf(b"not used")


needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed; PDF rendering not tested"
)
needs_poppler = pytest.mark.skipif(
    shutil.which("pdfinfo") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils (pdfinfo, pdffonts) are not installed",
)


def pdf_tool(tool: str, pdf_path, *args: str) -> str:
    command = [tool, *args, str(pdf_path)] + (["-"] if tool == "pdftotext" else [])
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout


@needs_soffice
@needs_poppler
@pytest.mark.parametrize(
    ("build", "title"),
    [(build_letter, LETTER_TITLE), (build_bulletin, "学习情况的通报")],
    ids=["letter", "document"],
)
def test_it_renders_two_a4_pages_with_embedded_cjk_fonts(build, title, tmp_path):
    pdf = tmp_path / "document.pdf"
    pdf.write_bytes(convert_to_pdf(build(body_paragraphs=10).to_bytes()))
    info = pdf_tool("pdfinfo", pdf)
    assert re.search(r"^Pages:\s+2$", info, re.MULTILINE)
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert width == pytest.approx(595, abs=1) and height == pytest.approx(842, abs=1)
    fonts = pdf_tool("pdffonts", pdf).splitlines()[2:]
    assert any("CJK" in line and line.split()[-5] == "yes" for line in fonts), fonts  # "emb" column
    if shutil.which("pdftotext"):
        first, second = (pdf_tool("pdftotext", pdf, "-layout", "-f", str(n), "-l", str(n)) for n in (1, 2))
        assert title in first.replace(" ", "")
        assert MARK in first
        assert re.search(r"—\s*2\s*—", second)
        if build is build_letter:
            assert not re.search(r"—\s*1\s*—", first)  # the letter's first page has no number
