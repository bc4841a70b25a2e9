"""`{{ value|message }}`: a library `Message` in the reader's language (other values unchanged)."""

from __future__ import annotations

from typing import Any

from django import template

from pangting.core.i18n import render_message
from pangting.lib.messages import Message

register = template.Library()


@register.filter(name="message")
def message_filter(value: Any) -> Any:
    return render_message(value) if isinstance(value, Message) else value
