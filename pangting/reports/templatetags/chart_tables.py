"""The numbers table under each dashboard chart, written in one pass.

A province's dashboard has a table of a few cells per unit under each chart: thousands of
cells, which the template engine's nested loops rendered slower than the figures were
counted (issue 15). `chart_rows` writes the same HTML (the first cell a row header); integers
and text, nearly every cell, skip the engine's value rendering, anything else goes through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.template.base import render_value_in_context
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _cell(value: Any, context: template.Context) -> str:
    if type(value) is int:
        return str(value)  # what the engine writes for an int (no thousands separator is set)
    if isinstance(value, (str, Promise)):
        return str(conditional_escape(value))
    return str(render_value_in_context(value, context))  # escaped and localized as `{{ value }}`


@register.simple_tag(takes_context=True)
def chart_rows(context: template.Context, rows: Iterable[Iterable[Any]]) -> SafeString:
    """`<tr><th scope="row">first</th><td>…</td>…</tr>` for each row, each cell as `{{ cell }}` writes it."""
    out: list[str] = []
    for row in rows:
        cells = [_cell(value, context) for value in row]
        if not cells:
            out.append("<tr></tr>")
            continue
        out.append(f'<tr><th scope="row">{cells[0]}</th>' + "".join(f"<td>{c}</td>" for c in cells[1:]) + "</tr>")
    return mark_safe("".join(out))  # noqa: S308 - every cell escaped above  # nosec B308, B703
