"""Rendering of the library's `Message` texts in the reader's language.

`pangting.lib` builds its user-facing texts as `pangting.lib.messages.Message` (Chinese
`str` plus msgid and parameters) because it cannot import Django. Every page, form error and
API answer that shows one goes through `render_message`, which translates the msgid and every
translatable parameter with gettext. Stored records and official documents keep `str(message)`,
the Chinese text.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

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
