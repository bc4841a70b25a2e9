"""Django-free checks of untrusted input: control characters, finite numbers, date ranges, file names.

The Django validators with Chinese messages are in `pangting.core.inputs`; these are the plain
predicates and cleaners underneath, usable from the document and workbook writers in `lib/`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal

# C0 controls, DEL and C1 controls, lone surrogates (they cannot be encoded as UTF-8, so the
# database would fail on them) and the two XML non-characters U+FFFE/U+FFFF (Word, Excel and
# every XML writer refuse them).
_CONTROL_SINGLE_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROL_MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# What an XML 1.0 document (docx, xlsx) cannot hold at all, tab/newline/carriage return excepted.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

DEFAULT_MIN_YEAR = 1900
DEFAULT_MAX_YEAR = 2100
FILE_NAME_MAX_LENGTH = 120


def control_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The control characters in `text` that input must refuse (tab always allowed; newlines
    and carriage returns too when `multiline`)."""
    pattern = _CONTROL_MULTI_LINE if multiline else _CONTROL_SINGLE_LINE
    return pattern.findall(text)


def has_xml_illegal(text: str) -> bool:
    """True when `text` holds a character no XML document can (what every request body refuses)."""
    return _XML_ILLEGAL.search(text) is not None


def strip_xml_illegal(text: str) -> str:
    """Remove what an XML document cannot hold, so that records stored before input was
    checked still render (python-docx and openpyxl raise on them)."""
    return _XML_ILLEGAL.sub("", text) if _XML_ILLEGAL.search(text) else text


def is_finite(value: object) -> bool:
    """False for NaN and ±infinity (float or Decimal); True for any other value."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return True


def year_in_range(value: dt.date, min_year: int = DEFAULT_MIN_YEAR, max_year: int = DEFAULT_MAX_YEAR) -> bool:
    """Whether a date (or datetime) falls in the years [min_year, max_year]."""
    return min_year <= value.year <= max_year


def file_name_problem(name: str, max_length: int = FILE_NAME_MAX_LENGTH) -> str | None:
    """Why `name` is not a safe upload name, as a key ("empty", "length", "path", "control"), or None."""
    if not name or not name.strip() or name.strip(".") == "":
        return "empty"
    if len(name) > max_length:
        return "length"
    if "/" in name or "\\" in name or name in {".", ".."} or (len(name) > 1 and name[1] == ":"):
        return "path"
    if control_characters(name):
        return "control"
    return None


# -- import limits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportLimits:
    """How much of an uploaded workbook an import reads before refusing it.

    A small file can describe a huge sheet (500,000 empty rows compress to 0.13 MB), so the
    limits are on what the sheet holds and on the time spent, not only on the upload size.
    """

    max_rows: int = 20_000
    max_columns: int = 60
    max_cells: int = 1_000_000
    max_seconds: float = 30.0
    # Unpacked size of one part of the package (a worksheet after its trailing empty rows
    # are dropped, the shared strings): a zip bomb stops here.
    max_sheet_mb: int = 64


DEFAULT_IMPORT_LIMITS = ImportLimits()
