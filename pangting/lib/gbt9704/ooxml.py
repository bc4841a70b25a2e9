"""Direct WordprocessingML for what python-docx has no API for.

python-docx cannot set the East-Asian font of a run, paragraph borders, character-based
indents, fields, the document grid or the document defaults; Chinese documents need all of
them. Everything that touches raw XML lives here so the builder reads as layout, and so
that child elements are always inserted in schema order (Word rejects a file whose
``w:pPr`` or ``w:rPr`` children are out of order as "unreadable content").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from docx.document import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from pangting.lib.inputs import strip_xml_illegal

TWIPS_PER_PT = 20
TWIPS_PER_MM = 1440 / 25.4

# Fonts named by the standard. The file keeps these names (users' Word/WPS has them); a
# server renders them through the fontconfig aliases in pangting/lib/fonts/fonts.conf.
FANGSONG = "仿宋_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
LATIN = "Times New Roman"

# Fallback names Word uses when a user's machine lacks the GB2312-era font (Windows 10
# ships 仿宋 and 楷体, not 仿宋_GB2312 and 楷体_GB2312).
_ALT_NAMES = {FANGSONG: "仿宋", KAITI: "楷体", XIAOBIAOSONG: "宋体", HEITI: "SimHei", SONGTI: "SimSun"}

Align = Literal["left", "center", "right", "both"]


def _tags(names: str) -> list[str]:
    """Split a space-separated list of element names (keeps the schema-order tables compact)."""
    return names.split()


# Schema order of the children of w:pPr and w:rPr (ECMA-376 Part 1, CT_PPrBase / CT_RPr).
_PPR_ORDER = _tags(
    "w:pStyle w:keepNext w:keepLines w:pageBreakBefore w:framePr w:widowControl w:numPr "
    "w:suppressLineNumbers w:pBdr w:shd w:tabs w:suppressAutoHyphens w:kinsoku w:wordWrap "
    "w:overflowPunct w:topLinePunct w:autoSpaceDE w:autoSpaceDN w:bidi w:adjustRightInd "
    "w:snapToGrid w:spacing w:ind w:contextualSpacing w:mirrorIndents w:suppressOverlap w:jc "
    "w:textDirection w:textAlignment w:textboxTightWrap w:outlineLvl w:divId w:cnfStyle "
    "w:rPr w:sectPr w:pPrChange"
)
_RPR_ORDER = _tags(
    "w:rStyle w:rFonts w:b w:bCs w:i w:iCs w:caps w:smallCaps w:strike w:dstrike w:outline "
    "w:shadow w:emboss w:imprint w:noProof w:snapToGrid w:vanish w:webHidden w:color w:spacing "
    "w:w w:kern w:position w:sz w:szCs w:highlight w:u w:effect w:bdr w:shd w:fitText "
    "w:vertAlign w:rtl w:cs w:em w:lang w:eastAsianLayout w:specVanish w:oMath"
)
_PBDR_ORDER = _tags("w:top w:left w:bottom w:right w:between w:bar")


@dataclass(frozen=True)
class TextStyle:
    """Font, size and colour of a run: the unit in which the standard describes text."""

    east_asia: str
    size_pt: float
    latin: str = LATIN
    bold: bool = False
    color: str | None = None
    # Horizontal scale in percent (w:w), to squeeze an issuing-body mark into the type area.
    scale: int | None = None
    # Extra space after each character in twentieths of a point (w:spacing; negative condenses).
    tracking_twips: int = 0


def mm_to_twips(mm: float) -> int:
    """Millimetres to twentieths of a point, the unit of most WordprocessingML lengths."""
    return round(mm * TWIPS_PER_MM)


def ordered_child(parent: BaseOxmlElement, tag: str, order: list[str]) -> BaseOxmlElement:
    """Return `parent`'s child `tag`, creating it at its schema position if missing."""
    existing: BaseOxmlElement | None = parent.find(qn(tag))
    if existing is not None:
        return existing
    element = OxmlElement(tag)
    later = {qn(name) for name in order[order.index(tag) + 1 :]}
    for sibling in parent:
        if sibling.tag in later:
            sibling.addprevious(element)
            return element
    parent.append(element)
    return element


def apply_text_style(rpr: BaseOxmlElement, style: TextStyle) -> None:
    """Write `style` into a w:rPr (of a run, a paragraph mark or a style).

    The East-Asian font goes into w:eastAsia, which python-docx cannot set; w:hint tells
    Word to draw ambiguous characters such as “” and — with the Chinese font, so quotes
    stay full-width. Theme font attributes are removed because they override the names.
    """
    fonts = ordered_child(rpr, "w:rFonts", _RPR_ORDER)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), style.latin)
    fonts.set(qn("w:hAnsi"), style.latin)
    fonts.set(qn("w:eastAsia"), style.east_asia)
    fonts.set(qn("w:cs"), style.latin)
    fonts.set(qn("w:hint"), "eastAsia")
    for tag in ("w:b", "w:bCs"):
        if style.bold:
            ordered_child(rpr, tag, _RPR_ORDER)
        else:
            _remove(rpr, tag)
    if style.color:
        ordered_child(rpr, "w:color", _RPR_ORDER).set(qn("w:val"), style.color)
    # Written even when 0: body text's tracking lives in the Normal style and would
    # otherwise condense titles, tables and page numbers too.
    ordered_child(rpr, "w:spacing", _RPR_ORDER).set(qn("w:val"), str(style.tracking_twips))
    if style.scale:
        ordered_child(rpr, "w:w", _RPR_ORDER).set(qn("w:val"), str(style.scale))
    half_points = str(round(style.size_pt * 2))
    ordered_child(rpr, "w:sz", _RPR_ORDER).set(qn("w:val"), half_points)
    ordered_child(rpr, "w:szCs", _RPR_ORDER).set(qn("w:val"), half_points)
    lang = ordered_child(rpr, "w:lang", _RPR_ORDER)
    lang.set(qn("w:eastAsia"), "zh-CN")


def add_run(paragraph: Paragraph, text: str, style: TextStyle) -> Run:
    """Append a run of `text` in `style`; a newline becomes a line break within the paragraph.

    Characters XML cannot hold are dropped: records stored before input refused them would
    otherwise make python-docx raise on every export of that record (issue 14).
    """
    run = paragraph.add_run(strip_xml_illegal(text))
    apply_text_style(run._r.get_or_add_rPr(), style)
    return run


def format_paragraph(
    paragraph: Paragraph,
    mark_style: TextStyle,
    *,
    align: Align = "both",
    first_line_chars: float = 0,
    hanging_chars: float = 0,
    left_chars: float = 0,
    right_chars: float = 0,
    outdent_twips: int = 0,
    line_twips: int | None = None,
    before_twips: int = 0,
    after_twips: int = 0,
    snap_to_grid: bool = True,
    page_break_before: bool = False,
    keep_with_next: bool = False,
) -> None:
    """Set alignment, indents and spacing of `paragraph` as direct formatting.

    Indents are given in characters: Word reads w:firstLineChars and friends (hundredths of
    a character, so they follow the font size and the document grid), LibreOffice reads the
    twip values written beside them. `outdent_twips` widens the paragraph on both sides,
    which is how a rule becomes 170 mm long in a 156 mm type area. `line_twips` is an exact
    line height; None means single spacing. The paragraph mark gets `mark_style` so that an
    empty line has the right height and text typed at its end in Word gets the right font.
    `keep_with_next` keeps blocks such as signature and date on one page.
    """
    ppr = paragraph._p.get_or_add_pPr()
    char_twips = mark_style.size_pt * TWIPS_PER_PT
    if keep_with_next:
        ordered_child(ppr, "w:keepNext", _PPR_ORDER)
    if page_break_before:
        ordered_child(ppr, "w:pageBreakBefore", _PPR_ORDER)
    if not snap_to_grid:
        ordered_child(ppr, "w:snapToGrid", _PPR_ORDER).set(qn("w:val"), "0")
    spacing = ordered_child(ppr, "w:spacing", _PPR_ORDER)
    spacing.set(qn("w:before"), str(before_twips))
    spacing.set(qn("w:after"), str(after_twips))
    spacing.set(qn("w:line"), str(line_twips if line_twips is not None else 240))
    spacing.set(qn("w:lineRule"), "exact" if line_twips is not None else "auto")
    ind = ordered_child(ppr, "w:ind", _PPR_ORDER)
    if outdent_twips:
        ind.set(qn("w:left"), str(-outdent_twips))
        ind.set(qn("w:right"), str(-outdent_twips))
    else:
        ind.set(qn("w:left"), str(round(left_chars * char_twips)))
        ind.set(qn("w:leftChars"), str(round(left_chars * 100)))
        ind.set(qn("w:right"), str(round(right_chars * char_twips)))
        ind.set(qn("w:rightChars"), str(round(right_chars * 100)))
    if hanging_chars:
        ind.set(qn("w:hanging"), str(round(hanging_chars * char_twips)))
        ind.set(qn("w:hangingChars"), str(round(hanging_chars * 100)))
    else:
        ind.set(qn("w:firstLine"), str(round(first_line_chars * char_twips)))
        ind.set(qn("w:firstLineChars"), str(round(first_line_chars * 100)))
    ordered_child(ppr, "w:jc", _PPR_ORDER).set(qn("w:val"), align)
    apply_text_style(ordered_child(ppr, "w:rPr", _PPR_ORDER), mark_style)


def add_border(
    paragraph: Paragraph,
    side: Literal["top", "bottom"],
    *,
    val: str,
    size_eighths: int,
    color: str,
    space_pt: int,
) -> None:
    """Draw a rule above or below `paragraph` (w:pBdr), as the red rules of the standard are.

    A paragraph border, unlike a drawn line, moves with the text and survives every
    converter. `space_pt` is the gap between the text and the rule (Word caps it at 31 pt).
    """
    ppr = paragraph._p.get_or_add_pPr()
    borders = ordered_child(ppr, "w:pBdr", _PPR_ORDER)
    border = ordered_child(borders, f"w:{side}", _PBDR_ORDER)
    border.set(qn("w:val"), val)
    border.set(qn("w:sz"), str(size_eighths))
    border.set(qn("w:space"), str(min(space_pt, 31)))
    border.set(qn("w:color"), color)


def add_page_field(paragraph: Paragraph, style: TextStyle) -> None:
    """Append a PAGE field (begin / instruction / separate / cached result / end).

    The cached result "1" is what a reader shows before fields are updated; Word and
    LibreOffice recompute it per page when they lay the document out.
    """

    def field_char(kind: str) -> None:
        run = add_run(paragraph, "", style)
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    field_char("begin")
    run = add_run(paragraph, "", style)
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    run._r.append(instruction)
    field_char("separate")
    add_run(paragraph, "1", style)
    field_char("end")


def set_document_grid(sect_pr: BaseOxmlElement, *, line_pitch_twips: int) -> None:
    """Set Word's line grid to `line_pitch_twips`, so that Word shows 22 lines a page.

    Only the line grid is used, not a character grid (w:type="linesAndChars"): LibreOffice
    gives every character whose size exceeds the grid pitch two grid cells, so the
    standard's 28-character pitch (15.8 pt for a 16 pt font) came out at 14 characters a
    line in the server-side PDF. The 28 characters come from a small negative tracking on
    body text instead (see builder.BODY_TRACKING_TWIPS), which Word, WPS and LibreOffice
    all lay out alike.
    """
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    grid.attrib.clear()
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(line_pitch_twips))


def set_document_defaults(document: Document, style: TextStyle, *, line_twips: int) -> None:
    """Make body text the default: docDefaults and the Normal style carry font, size, spacing.

    Text a user types later in Word (or a paragraph added by another tool) then comes out in
    仿宋 3号 at the standard line pitch instead of the template's Calibri 11 pt.
    """
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr is not None:
            apply_text_style(rpr, style)
        spacing = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}/{qn('w:spacing')}")
        if spacing is not None:
            spacing.attrib.clear()
            spacing.set(qn("w:after"), "0")
            spacing.set(qn("w:line"), "240")
            spacing.set(qn("w:lineRule"), "auto")
    normal = document.styles["Normal"].element
    ppr = normal.get_or_add_pPr()
    spacing = ordered_child(ppr, "w:spacing", _PPR_ORDER)
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), str(line_twips))
    spacing.set(qn("w:lineRule"), "exact")
    ordered_child(ppr, "w:jc", _PPR_ORDER).set(qn("w:val"), "both")
    apply_text_style(normal.get_or_add_rPr(), style)
    # Headers and footers are based on Normal; keep them single-spaced.
    for name in ("Header", "Footer"):
        if name in [s.name for s in document.styles]:
            header_spacing = document.styles[name].element.get_or_add_pPr().find(qn("w:spacing"))
            if header_spacing is not None:
                header_spacing.set(qn("w:line"), "240")
                header_spacing.set(qn("w:lineRule"), "auto")
    settings = document.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")


def register_fonts(document: Document) -> None:
    """Describe the Chinese fonts in word/fontTable.xml (GB2312 charset, alternative name).

    When a machine lacks 仿宋_GB2312, Word substitutes by the font table's charset and
    w:altName; without an entry it falls back to a Latin default and the page reflows.
    python-docx keeps the font table as an opaque blob, so it is rewritten here.
    """
    for rel in document.part.rels.values():
        if rel.reltype.endswith("/fontTable") and not rel.is_external:
            part = rel.target_part
            break
    else:  # pragma: no cover - python-docx's template always has a font table
        return
    root = etree.fromstring(part.blob)
    known = {font.get(qn("w:name")) for font in root.findall(qn("w:font"))}
    for name in (FANGSONG, XIAOBIAOSONG, HEITI, KAITI, SONGTI):
        if name in known:
            continue
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        etree.SubElement(font, qn("w:altName")).set(qn("w:val"), _ALT_NAMES[name])
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86")
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), "modern" if name == HEITI else "roman")
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _remove(parent: BaseOxmlElement, tag: str) -> None:
    for element in parent.findall(qn(tag)):
        parent.remove(element)


_TBLPR_ORDER = _tags(
    "w:tblStyle w:tblpPr w:tblOverlap w:bidiVisual w:tblStyleRowBandSize w:tblStyleColBandSize "
    "w:tblW w:jc w:tblCellSpacing w:tblInd w:tblBorders w:shd w:tblLayout w:tblCellMar w:tblLook "
    "w:tblCaption w:tblDescription w:tblPrChange"
)
_TRPR_ORDER = _tags(
    "w:cnfStyle w:divId w:gridBefore w:gridAfter w:wBefore w:wAfter w:cantSplit w:trHeight "
    "w:tblHeader w:tblCellSpacing w:jc w:hidden w:ins w:del w:trPrChange"
)
_TCPR_ORDER = _tags(
    "w:cnfStyle w:tcW w:gridSpan w:hMerge w:vMerge w:tcBorders w:shd w:noWrap w:tcMar "
    "w:textDirection w:tcFitText w:vAlign w:hideMark w:headers w:cellIns w:cellDel w:cellMerge w:tcPrChange"
)


def format_table(table: Table, widths_twips: Sequence[int]) -> None:
    """Fixed column widths, centred on the page, thin black borders, cells centred vertically.

    A fixed layout (w:tblLayout) keeps Word and WPS from resizing columns to their content,
    which would break a form's printed shape. Call before merging cells: python-docx adds
    up the widths of the cells it merges.
    """
    tbl_pr = table._tbl.tblPr
    width = ordered_child(tbl_pr, "w:tblW", _TBLPR_ORDER)
    width.set(qn("w:w"), str(sum(widths_twips)))
    width.set(qn("w:type"), "dxa")
    ordered_child(tbl_pr, "w:jc", _TBLPR_ORDER).set(qn("w:val"), "center")
    borders = ordered_child(tbl_pr, "w:tblBorders", _TBLPR_ORDER)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        border = ordered_child(borders, f"w:{side}", _tags("w:top w:left w:bottom w:right w:insideH w:insideV"))
        border.set(qn("w:val"), "single")
        border.set(qn("w:sz"), "6")
        border.set(qn("w:space"), "0")
        border.set(qn("w:color"), "000000")
    ordered_child(tbl_pr, "w:tblLayout", _TBLPR_ORDER).set(qn("w:type"), "fixed")
    grid = table._tbl.tblGrid
    for column, twips in zip(grid.findall(qn("w:gridCol")), widths_twips, strict=True):
        column.set(qn("w:w"), str(twips))
    for row in table.rows:
        for cell, twips in zip(row.cells, widths_twips, strict=True):
            tc_pr = cell._tc.get_or_add_tcPr()
            tc_width = ordered_child(tc_pr, "w:tcW", _TCPR_ORDER)
            tc_width.set(qn("w:w"), str(twips))
            tc_width.set(qn("w:type"), "dxa")
            ordered_child(tc_pr, "w:vAlign", _TCPR_ORDER).set(qn("w:val"), "center")


def format_row(row: _Row, *, repeat_as_header: bool, min_height_twips: int | None) -> None:
    """Mark a header row to repeat on each page, and give a row a minimum height."""
    tr_pr = row._tr.get_or_add_trPr()
    if min_height_twips:
        height = ordered_child(tr_pr, "w:trHeight", _TRPR_ORDER)
        height.set(qn("w:val"), str(min_height_twips))
        height.set(qn("w:hRule"), "atLeast")
    if repeat_as_header:
        ordered_child(tr_pr, "w:tblHeader", _TRPR_ORDER)
