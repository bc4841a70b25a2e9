"""Text conventions of GB/T 9704-2012: document numbers, dates, heading labels, widths.

These are the parts of the standard that are about characters rather than layout, kept
apart so that the apps can format a number or a date for a web page exactly as the printed
document shows it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# 〔 〕 (U+3014/U+3015, "六角括号") enclose the year in a document number; [] 【】 () （）
# are the usual mistakes.
YEAR_OPEN = "\u3014"
YEAR_CLOSE = "\u3015"

_WRONG_BRACKETS = "[]［］【】()（）{}｛｝〖〗"
_DOC_NUMBER_RE = re.compile(
    rf"^(?P<abbr>[^\s{YEAR_OPEN}{YEAR_CLOSE}]+){YEAR_OPEN}(?P<year>\d{{4}}){YEAR_CLOSE}(?P<seq>\d+)号$"
)
_DIGITS = "零一二三四五六七八九"


def format_doc_number(abbr: str, year: int, seq: int) -> str:
    """Return a document number such as ``温职宣函〔2026〕3号`` (发文字号).

    The standard fixes the shape: the issuing body's code (机关代字), the year in 〔〕, and
    the sequence number without leading zeros ("不编虚位") and without 第. Validating the
    parts here, rather than formatting whatever comes in, keeps a bad number off paper.
    """
    abbr = abbr.strip() if isinstance(abbr, str) else abbr
    if not isinstance(abbr, str) or not abbr:
        raise ValueError("机关代字不能为空。")
    if any(ch.isspace() for ch in abbr) or any(ch in _WRONG_BRACKETS + YEAR_OPEN + YEAR_CLOSE for ch in abbr):
        raise ValueError(f"机关代字“{abbr}”不能包含空格或括号。")
    if abbr.endswith("第"):
        raise ValueError("发文字号的序号前不加“第”字。")
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise ValueError(f"年份“{year}”应为四位数字，如2026。")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ValueError(f"发文序号“{seq}”应为正整数。")
    return f"{abbr}{YEAR_OPEN}{year}{YEAR_CLOSE}{seq}号"


def validate_doc_number(number: str) -> str:
    """Check a complete document number and return it stripped, or raise ValueError.

    The messages name the usual mistakes (wrong brackets, 第, leading zeros) because the
    number is typed by people who copy it from older documents.
    """
    number = number.strip()
    if not number:
        raise ValueError("发文字号不能为空。")
    if "第" in number:
        raise ValueError(f"发文字号“{number}”的序号前不加“第”字，如“温职宣函〔2026〕3号”。")
    if any(ch in _WRONG_BRACKETS for ch in number):
        raise ValueError(f"发文字号“{number}”的年份应使用六角括号〔〕，如“温职宣函〔2026〕3号”。")
    match = _DOC_NUMBER_RE.match(number)
    if match is None:
        raise ValueError(f"发文字号“{number}”格式不正确，应为“机关代字〔年份〕序号号”，如“温职宣函〔2026〕3号”。")
    if match["seq"].startswith("0"):
        raise ValueError(f"发文字号“{number}”的序号不编虚位（不加前导0），如“3号”而不是“03号”。")
    return number


def format_cn_date(date: dt.date) -> str:
    """Return ``2026年9月8日``: Arabic numerals, no zero padding, as GB/T 9704 asks for 成文日期."""
    if not isinstance(date, dt.date):
        raise ValueError(f"日期应为 date 类型，而不是“{date!r}”。")
    return f"{date.year}年{date.month}月{date.day}日"


def chinese_numeral(number: int) -> str:
    """Return 一 … 九十九 for 1 … 99, the numerals of level-1 and level-2 headings.

    Written as people write them in documents: 十, 十一, 二十, 二十一 (not 一十一).
    Documents never reach a hundred headings at one level, so larger numbers are refused.
    """
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 99:
        raise ValueError(f"标题序号应在1到99之间，而不是“{number}”。")
    tens, units = divmod(number, 10)
    if tens == 0:
        return _DIGITS[units]
    prefix = "十" if tens == 1 else _DIGITS[tens] + "十"
    return prefix + (_DIGITS[units] if units else "")


def heading_label(level: int, number: int) -> str:
    """Return the label of the `number`-th heading at `level`: 一、 （一） 1. （1）.

    Level 3 uses an ASCII full stop after the digit, never a 顿号 (1、 is a common mistake);
    levels 2 and 4 use full-width parentheses and no punctuation after them.
    """
    if level == 1:
        return f"{chinese_numeral(number)}、"
    if level == 2:
        return f"（{chinese_numeral(number)}）"
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ValueError(f"标题序号应为正整数，而不是“{number}”。")
    if level == 3:
        return f"{number}."
    if level == 4:
        return f"（{number}）"
    raise ValueError(f"标题层级应为1到4，而不是“{level}”。")


def text_width(text: str) -> float:
    """Width of `text` in body characters: a Chinese character is 1, a Latin one about 0.5.

    Used to place the signature centred over the date, which the standard specifies in
    characters ("右空四字").
    """
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text)
