"""Chinese phone numbers: validation and masking (members' phones are personal information)."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Landline with area code, optional extension: 0577-88888888, 057788888888-123, 010-1234567.
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def normalize_phone(raw: str) -> str:
    """Strip spaces and a +86 prefix; keep the hyphens of a landline."""
    value = re.sub(r"[\s\u3000]", "", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value


def is_valid_phone(value: str) -> bool:
    return bool(_MOBILE.match(value) or _LANDLINE.match(value))


def mask_phone(value: str) -> str:
    """138****5678 for a mobile; the middle digits hidden for a landline."""
    if not value:
        return ""
    if _MOBILE.match(value):
        return f"{value[:3]}****{value[-4:]}"
    digits = value
    if len(digits) <= 4:
        return "*" * len(digits)
    return f"{digits[:4]}{'*' * (len(digits) - 6)}{digits[-2:]}"
