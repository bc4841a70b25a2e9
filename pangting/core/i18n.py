"""Texts shown in the reader's language that are kept, or made, in Chinese.

Two kinds, one home:

- The Django-free library builds its user-facing texts as `pangting.lib.messages.Message`
  (a Chinese `str` plus msgid and parameters) because it cannot import Django. Every page,
  form error and API answer that shows one goes through `render_message`.
- Code that stores a sentence (a finding's message, a plan run's note) writes it through
  `stored_message(gettext_noop("…{unit}…"), unit=…)`: the Chinese text for the record and the
  documents, plus its msgid and JSON-ready parameters stored beside it; pages and the API
  render it again with `render_stored`. Parameters that are interface words are passed through
  `label(...)` or `choice(...)` and stored as their msgid; dates are stored as ISO days,
  periods by name, nested messages as their msgid and parameters. Names and titles of
  records are data and stay as entered.

Stored records and official documents keep the Chinese text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from pangting.core import dates
from pangting.lib.messages import LIST_SEPARATOR, Message, message_of


def _render_param(value: Any) -> str:
    if isinstance(value, Message):
        return render_message(value)
    if isinstance(value, list | tuple):
        return gettext(LIST_SEPARATOR).join(_render_param(item) for item in value)
    return str(value)


def render_message(message: Any) -> str:
    """`message` in the active language when it is a `Message`; other values as their text."""
    if not isinstance(message, Message):
        return str(message)
    if not message.params:
        return gettext(message.msgid)
    params = {name: _render_param(value) for name, value in message.params.items()}
    try:
        return gettext(message.msgid).format(**params)
    except (KeyError, IndexError, ValueError):  # a broken translation must not hide the message
        return message.msgid.format(**params)


def render_error(error: BaseException) -> str:
    """The text of an exception raised by lib code with a `Message`, in the active language."""
    return render_message(message_of(error))


# --- Stored messages ------------------------------------------------------------------------


class StoredMessage(str):
    """The Chinese text of a message, with the msgid and parameters it was made from."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, text: str, msgid: str, params: dict[str, Any]) -> StoredMessage:
        message = super().__new__(cls, text)
        message.msgid = msgid
        message.params = params
        return message

    def __getnewargs__(self) -> tuple[str, str, dict[str, Any]]:  # type: ignore[override]
        return (str(self), self.msgid, self.params)  # copies and pickles keep msgid and parameters


def msgid_of(text: Any) -> str:
    """The msgid of a translatable label: a lazy gettext proxy keeps it as its first argument."""
    if isinstance(text, Promise):
        args = getattr(text, "_args", ())
        if args and isinstance(args[0], str):
            return args[0]
    return str(text)


def label(text: Any) -> dict[str, str]:
    """A parameter that is an interface word: stored as its msgid, translated when shown."""
    return {"label": msgid_of(text)}


def choice(instance: Any, field_name: str) -> dict[str, str]:
    """The label of a model field's choice as a parameter (its msgid, translated when shown)."""
    value = getattr(instance, field_name)
    for key, text in instance._meta.get_field(field_name).flatchoices:
        if key == value:
            return label(text)
    return label(value)


def period(name: str) -> dict[str, str]:
    """A period parameter by its name ("2026", "2026-H1", "2026-Q3", "2026-03"), named when shown."""
    return {"period": name}


def period_label(name: str) -> str:
    """ "2026-03" → 2026年3月 (Mar 2026 in English): the period names of `core.dates.format_period`."""
    return dates.format_period(name)


def _stored(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_stored(item) for item in value]
    if isinstance(value, Promise):
        return label(value)
    if isinstance(value, StoredMessage):
        return {"msgid": value.msgid, "params": value.params}
    if isinstance(value, dt.datetime):
        return {"date": value.date().isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    return value


def _shown(value: Any) -> Any:
    if value is None:
        return "—"
    if isinstance(value, list):
        return gettext("、").join(str(_shown(item)) for item in value)
    if isinstance(value, Mapping):
        if "msgid" in value:
            return render_stored(str(value["msgid"]), value.get("params"), "")
        if "label" in value:
            return gettext(str(value["label"]))
        if "period" in value:
            return period_label(str(value["period"]))
        if "date" in value:
            if not value["date"]:
                return "—"
            return dates.format_date(dt.date.fromisoformat(str(value["date"])))
    return value


def render_stored(msgid: str, params: Mapping[str, Any] | None, fallback: str = "") -> str:
    """The message in the active language; `fallback` (the stored text) for rows without a msgid.

    A catalog entry that does not fit its parameters (a typo in a translation) also falls
    back to the stored text rather than failing the page.
    """
    if not msgid:
        return fallback
    try:
        return gettext(msgid).format(**{name: _shown(value) for name, value in (params or {}).items()})
    except (KeyError, IndexError, ValueError, TypeError):
        return fallback


def stored_message(msgid: str, **params: Any) -> StoredMessage:
    """The Chinese text of `msgid` with `params`, carrying both for display in other languages.

    Rendered under the site language (Chinese) whatever the language of the request that
    started the run: stored texts and documents are Chinese.
    """
    stored = {name: _stored(value) for name, value in params.items()}
    memo = _site_memo.get()
    if memo is not None and translation.get_language() == settings.LANGUAGE_CODE:
        return StoredMessage(_render_remembered(msgid, stored, memo), msgid, stored)
    with translation.override(settings.LANGUAGE_CODE):
        text = render_stored(msgid, stored)
    return StoredMessage(text, msgid, stored)


# Inside `in_site_language()`: translations and shown parameters (days, labels, periods) already
# rendered, so that a batch making thousands of stored messages (a run of the checks, issue 15)
# looks each up once. A context variable, so that each thread or task has its own.
_site_memo: ContextVar[dict[Any, str] | None] = ContextVar("pangting_site_memo", default=None)
_REMEMBERED_KINDS = frozenset({"label", "period", "date"})


@contextmanager
def in_site_language() -> Iterator[None]:
    """Make stored messages in the site language (Chinese), remembering what was rendered."""
    with translation.override(settings.LANGUAGE_CODE):
        token = _site_memo.set({})
        try:
            yield
        finally:
            _site_memo.reset(token)


def _render_remembered(msgid: str, params: Mapping[str, Any], memo: dict[Any, str]) -> str:
    """`render_stored(msgid, params)` in the site language, from `memo` where it can."""
    if not msgid:
        return ""
    template = memo.get(msgid)
    if template is None:
        template = memo[msgid] = gettext(msgid)
    try:
        return template.format(**{name: _shown_remembered(value, memo) for name, value in params.items()})
    except (KeyError, IndexError, ValueError, TypeError):
        return ""


_SEPARATOR = ("separator",)  # the memo's key of the list separator (no msgid is a tuple)


def _shown_remembered(value: Any, memo: dict[Any, str]) -> Any:
    """`_shown(value)`, remembered for the one-key parameters (a label, a period, a day)."""
    if isinstance(value, list):
        separator = memo.get(_SEPARATOR)
        if separator is None:
            separator = memo[_SEPARATOR] = gettext("、")
        return separator.join(str(_shown_remembered(item, memo)) for item in value)
    if isinstance(value, dict):
        if len(value) == 1:
            ((kind, raw),) = value.items()
            if kind in _REMEMBERED_KINDS and isinstance(raw, str):
                key = (kind, raw)
                shown = memo.get(key)
                if shown is None:
                    shown = memo[key] = _shown(value)
                return shown
        elif "msgid" in value:  # a message inside a message: its template and parameters remembered too
            return _render_remembered(str(value["msgid"]), value.get("params") or {}, memo)
    return _shown(value)
