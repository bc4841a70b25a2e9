"""What every page's header needs from the help app: the 帮助 link and the watermark."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from pangting.accounts import policy

from . import guides, watermark


def help_and_watermark(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context: dict[str, Any] = {"help_url": help_url(request)}
    if settings.PANGTING_WATERMARK:
        context["watermark_url"] = watermark.data_url(watermark.text_for(user))
    return context


def help_url(request: HttpRequest) -> str:
    """The guide for the reader's role, at the section about the page he is on."""
    mine = guides.for_roles(policy.roles(request.user))
    if not mine:
        return reverse("help:index")
    guide = mine[0]
    match = getattr(request, "resolver_match", None)
    url = reverse("help:guide", args=[guide.slug])
    section = guide.section_for(match.view_name if match else None)
    return f"{url}#{section}" if section else url
