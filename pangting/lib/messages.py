"""User-facing texts of the Django-free library, translatable by the app layer.

`pangting.lib` cannot call gettext (it must not import Django), yet its refusals and findings
are shown to readers of either language. So lib code builds them as `Message` objects:

- `N_("…")` marks a constant msgid for the catalog and returns it unchanged;
- `Message(N_("…{count}…"), count=3)` is a `str` holding the Chinese text (so stored records,
  documents, logs and `str()` comparisons stay Chinese), and keeps `.msgid` and `.params` so
  that `pangting.core.i18n.render_message` can render it in the reader's language.

A parameter may itself be a `Message` (translated in turn) or a list/tuple of values, which is
joined with the Chinese enumeration comma 、 here and with the translated separator on display.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def N_(msgid: str) -> str:
    """Mark `msgid` for translation without translating it (the app layer translates)."""
    return msgid


# The Chinese enumeration comma: the separator of list parameters (translated on display).
LIST_SEPARATOR = N_("、")


def _chinese(value: Any) -> str:
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(_chinese(item) for item in value)
    return str(value)


class Message(str):
    """A Chinese text made from a msgid and its parameters; `str()` of it is the Chinese text."""

    msgid: str
    params: Mapping[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Message:
        text = msgid.format(**{name: _chinese(value) for name, value in params.items()}) if params else msgid
        message = super().__new__(cls, text)
        message.msgid = msgid
        message.params = params
        return message

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.msgid, dict(self.params)))


def _rebuild(msgid: str, params: dict[str, Any]) -> Message:
    return Message(msgid, **params)


def message_of(error: BaseException) -> Message | str:
    """The `Message` an exception was raised with (its first argument), else its text."""
    if error.args and isinstance(error.args[0], Message):
        return error.args[0]
    return str(error)


def to_json(value: Any) -> Any:
    """A message (or a parameter value) as JSON data, so that a stored text can be shown translated later."""
    if isinstance(value, Message):
        return {"msgid": value.msgid, "params": {name: to_json(param) for name, param in value.params.items()}}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    return value


def from_json(data: Any) -> Any:
    """The inverse of `to_json`: a `Message` again (plain values stay as they are)."""
    if isinstance(data, dict) and isinstance(data.get("msgid"), str):
        params = data.get("params") or {}
        return Message(data["msgid"], **{str(name): from_json(param) for name, param in params.items()})
    if isinstance(data, list):
        return [from_json(item) for item in data]
    return data
