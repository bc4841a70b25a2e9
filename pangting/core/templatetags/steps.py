"""`{% step_log record %}`: the 办理记录 of a workflow record (issue 10, steps not states).

The page has already fetched `record` in the user's scope, so whoever sees the record sees its log."""

from __future__ import annotations

from typing import Any

from django import template

from pangting.core.transitions import confirmation, log_entries

register = template.Library()


@register.inclusion_tag("includes/step_log.html")
def step_log(record: Any) -> dict[str, Any]:
    return {"entries": log_entries(record)}


@register.simple_tag
def step_confirm(record: Any, step: str) -> str:
    """`data-confirm="{% step_confirm visit 'issue_letter' %}"`: the irreversible step's confirmation text.

    The shared script (static `js/confirm.js`) shows it in a dialog before the form is posted."""
    return confirmation(record, step)
