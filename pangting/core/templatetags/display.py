"""`{% load display %}`: dates, moments, periods and rule IDs as people read them.

- `{{ day|cn_date }}` → 2026年12月18日 (a datetime by its day in Beijing time);
- `{{ moment|cn_datetime }}` → 2026年12月18日 06:21 (Beijing time);
- `{{ "2026-Q3"|cn_period }}` → 2026年第三季度;
- `{{ "R-S3"|rule_label }}` → the rule's plain label, its code in the tooltip;
- `{{ text|rule_labels_in }}` → escaped text whose rule codes are written as labels with tooltips.

The functions behind them are `core.dates` and `core.rule_labels`: Python text uses them too.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from pangting.core import dates, rule_labels

register = template.Library()


@register.filter
def cn_date(value: dt.date | dt.datetime | None) -> str:
    return dates.format_date(value)


@register.filter
def cn_datetime(value: dt.datetime | dt.date | None) -> str:
    return dates.format_datetime(value)


@register.filter
def cn_datetime_seconds(value: dt.datetime | dt.date | None) -> str:
    return dates.format_datetime(value, seconds=True)


@register.filter
def cn_period(value: Any) -> str:
    return dates.format_period(str(value)) if value not in (None, "") else ""


@register.filter
def rule_label(rule_id: Any) -> SafeString | str:
    return rule_labels.rule_label(str(rule_id)) if rule_id else ""


@register.filter
def cited_text(text: Any) -> str:
    """A problem's text without its trailing rule citation (which `citation` gives for a tooltip)."""
    return rule_labels.split_citation(str(text))[0]


@register.filter
def citation(text: Any) -> str:
    """The trailing rule citation of a problem's text as "R-S6 发言人有书面发言材料", for a `title`."""
    return rule_labels.split_citation(str(text))[1]


@register.filter(needs_autoescape=True)
def rule_labels_in(text: Any, autoescape: bool = True) -> SafeString:
    """Escaped `text` with each rule code (R-S3) shown as its label, the code in a tooltip."""
    escaped = str(conditional_escape(text)) if autoescape else str(text)
    return mark_safe(rule_labels.RULE_ID.sub(_abbr, escaped))  # noqa: S308 - escaped above, labels by format_html  # nosec B308, B703


# Elements whose text is not prose: scripts, styles, form values, and labels already made.
_RAW = re.compile(r"(<(script|style|textarea|abbr|code|pre)\b.*?</\2\s*>|<[^>]*>)", re.IGNORECASE | re.DOTALL)


def label_rule_codes(html: str) -> str:
    """Rendered `html` with each rule code in its text written as the rule's label, the code in a tooltip.

    Tags, attributes (a `title` or `placeholder` may cite a code), scripts, styles, text areas
    (their content is a form value) and existing `<abbr>`s are left as they are.
    """
    if "R-" not in html:
        return html
    parts = _RAW.split(html)  # text, raw element or tag, its name (or None), text, …
    out: list[str] = []
    for index in range(0, len(parts), 3):
        out.append(rule_labels.RULE_ID.sub(_abbr, parts[index]))
        if index + 1 < len(parts):
            out.append(parts[index + 1])
    return "".join(out)


def _abbr(match: re.Match[str]) -> str:
    title = rule_labels.rule_title(match[0])
    if title == match[0]:  # not a rule of the system (a mistyped code in a formula): left as written
        return match[0]
    return str(format_html('<abbr class="rule" title="{}">{}</abbr>', match[0], title))


class RuleLabelsNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        # The content was rendered (and escaped) by the template; labels are escaped by format_html.
        return mark_safe(label_rule_codes(self.nodelist.render(context)))  # noqa: S308 - escaped by the template, labels by format_html  # nosec B308, B703


@register.tag("rule_labels")
def do_rule_labels(parser: template.base.Parser, token: template.base.Token) -> RuleLabelsNode:
    """`{% rule_labels %}…{% endrule_labels %}`: every rule code in the text written as its label.

    The base template wraps the main content in it, so codes cited in any page's text (help
    lines, headings, problems found, messages) read as labels, the code in a tooltip.
    """
    nodelist = parser.parse(("endrule_labels",))
    parser.delete_first_token()
    return RuleLabelsNode(nodelist)
