"""`{% page_sections "login" %}`: the sections later apps register for a shared page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from pangting.core import registry

register = template.Library()


@register.simple_tag(takes_context=True)
def page_sections(context: Any, page: str, obj: Any = None) -> SafeString | str:
    """`{% page_sections "study_session" session %}` passes the page's record on: `section(request, obj)`."""
    request = context.get("request")
    if request is None:
        return ""
    args = (request,) if obj is None else (request, obj)
    # Each section renders its own template (escaped there, so safe); anything else is escaped here.
    return format_html_join("", "{}", ((section(*args),) for section in registry.page_sections(page)))
