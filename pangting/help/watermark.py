"""The watermark: who is looking and when, repeated faintly over every page and export (等保 level 3
practice against photographed or forwarded screens and printouts; switched on by
``PANGTING_WATERMARK``).

The page's is an SVG tile built here and given to the browser as a data URL in a CSS
background; the exports' is the same text in their headers (`pangting.lib.marks`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.html import escape

from pangting.core import clock
from pangting.lib import marks

BEIJING = ZoneInfo("Asia/Shanghai")
TILE_WIDTH = 360
TILE_HEIGHT = 200


def text_for(user: Any) -> str:
    """「姓名 工号（无工号时用户名） 2026-12-05 14:03」, the time in Beijing time."""
    person = getattr(user, "person", None) if getattr(user, "person_id", None) else None
    who = getattr(person, "staff_no", "") or user.get_username()
    when = clock.now().astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    return " ".join(part for part in (user.display_name, who, when) if part)


def svg(text: str) -> str:
    """One tile: the text at −30°, grey and faint, so that it never hides what it covers."""
    body = str(escape(marks.Marks(watermark=text).watermark))  # HTML escaping is valid XML text
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{TILE_WIDTH}" height="{TILE_HEIGHT}">'
        f'<text x="50%" y="50%" text-anchor="middle" dominant-baseline="middle" '
        f'transform="rotate(-30 {TILE_WIDTH // 2} {TILE_HEIGHT // 2})" fill="#000" fill-opacity="0.07" '
        f'font-size="15" font-family="sans-serif">{body}</text></svg>'
    )


def data_url(text: str) -> str:
    """The tile as a data URL with every special character percent-encoded.

    Percent-encoding leaves nothing that HTML or CSS would read (no quotes, brackets or
    ampersands), so the URL is safe inside a <style> element, where HTML escapes do not apply.
    """
    return "data:image/svg+xml," + quote(svg(text), safe="")


def file_marks(user: Any) -> marks.Marks:
    """The marks the files made for `user` now carry, as the settings ask."""
    watermark = text_for(user) if settings.PANGTING_WATERMARK and user.is_authenticated else ""
    internal = marks.INTERNAL_MARK if settings.PANGTING_INTERNAL_MARK else ""
    return marks.Marks(watermark=watermark, internal=internal)
