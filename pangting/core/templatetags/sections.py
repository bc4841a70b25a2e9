"""`{% page_sections "login" %}`: the sections later apps register for a shared page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from pangting.core import registry

register = template.Library()


@register.simple_tag(takes_context=True)
def page_sections(context: Any, page: str) -> SafeString:
    request = context.get("request")
    if request is None:
        return mark_safe("")
    # Each section renders its own template (escaped there); joined here as they came.
    return mark_safe("".join(section(request) for section in registry.page_sections(page)))  # noqa: S308
