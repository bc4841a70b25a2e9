"""GB/T 9704-2012 (党政机关公文格式) Word documents, and their PDF rendering.

`OfficialDocumentBuilder` writes letters (函), bulletins and summaries, and forms with the
national layout; `format_doc_number` and `format_cn_date` format what the standard fixes;
`convert_to_pdf` renders a .docx with LibreOffice using the fonts in `FONTCONFIG_FILE`.
"""

from pangting.lib.gbt9704.builder import Cell, Layout, OfficialDocumentBuilder
from pangting.lib.gbt9704.formatting import (
    chinese_numeral,
    format_cn_date,
    format_doc_number,
    heading_label,
    validate_doc_number,
)
from pangting.lib.gbt9704.pdf import FONTCONFIG_FILE, PdfConversionError, convert_to_pdf

__all__ = [
    "FONTCONFIG_FILE",
    "Cell",
    "Layout",
    "OfficialDocumentBuilder",
    "PdfConversionError",
    "chinese_numeral",
    "convert_to_pdf",
    "format_cn_date",
    "format_doc_number",
    "heading_label",
    "validate_doc_number",
]
