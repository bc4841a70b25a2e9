"""Request parsers of the API that refuse, at the door, text no record should ever hold.

Control characters (other than tab and line breaks), lone surrogates and the non-characters
U+FFFE / U+FFFF are accepted by every serializer field yet make a Word export fail each time
the record is exported (XML cannot hold them), and a number such as `1e999` parses into an
infinite float no field should store. Refusing them while parsing covers every API operation,
whatever its serializer; the answer is a 400 naming the field (issue 14, item 5).
A form POST is read by `core.middleware` before DRF sees it (DRF then reuses Django's
`request.POST` instead of parsing), so that middleware applies the same check to API form posts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from pangting.lib.inputs import has_xml_illegal, is_finite


def first_problem(value: Any, path: str = "") -> str | None:
    """The path of the first string with a forbidden character or the first non-finite number, else None."""
    if isinstance(value, str):
        return (path or "-") if has_xml_illegal(value) else None
    if isinstance(value, float):
        return (path or "-") if not is_finite(value) else None
    if isinstance(value, Mapping):
        keys = value.keys()
        getter = value.getlist if hasattr(value, "getlist") else None
        for key in keys:
            where = f"{path}.{key}" if path else str(key)
            if has_xml_illegal(str(key)):
                return where
            items = getter(key) if getter is not None else [value[key]]
            for item in items:
                if (found := first_problem(item, where)) is not None:
                    return found
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if (found := first_problem(item, f"{path}[{index}]")) is not None:
                return found
    return None


def problem_message(where: str) -> str:
    return _("“{field}”含有不允许的控制字符或无效数值。").format(field=where[:100])


def refuse_if_unsafe(data: Any) -> None:
    if (where := first_problem(data)) is not None:
        raise ParseError(problem_message(where))


class StrictJSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        refuse_if_unsafe(data)
        return data


class StrictFormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        refuse_if_unsafe(data)
        return data


class StrictMultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        refuse_if_unsafe(parsed.data)
        refuse_if_unsafe({key: [f.name for f in parsed.files.getlist(key)] for key in parsed.files})
        return parsed
