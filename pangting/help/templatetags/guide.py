"""`{% screen "mishu" "study:session_list" "说明" %}`: a screenshot of the demo in a guide.

The picture is named by account and URL name (`screens.screenshot_name`), so the guide's test
can check that the screenshot run produces it. A picture not generated yet shows its caption
only, never a broken image (and a manifest storage would refuse to name a missing file).
"""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from pangting.help import screens

register = template.Library()


@register.simple_tag
def screen(username: str, url_name: str, caption: str) -> str:
    name = screens.screenshot_name(username, url_name)
    try:
        if not (screens.SCREENS_DIR / name).is_file():
            raise ValueError(name)
        src = static(screens.STATIC_PREFIX + name)
    except ValueError:  # not made by the screenshot run yet, or not collected
        return format_html(
            '<figure class="screen" data-screen="{}"><figcaption>{}</figcaption></figure>', name, caption
        )
    return format_html(
        '<figure class="screen" data-screen="{}"><a href="{}"><img src="{}" alt="{}" loading="lazy"></a>'
        "<figcaption>{}</figcaption></figure>",
        name,
        src,
        src,
        caption,
        caption,
    )


@register.simple_tag
def rule(rule_id: str) -> str:
    """A rule ID as the guides show it, after the plain-words statement of the rule."""
    return format_html('<span class="rule">{}</span>', rule_id)
