"""`{% step_log record %}`: the 办理记录 of a workflow record (issue 10, steps not states).

The page has already fetched `record` in the user's scope, so whoever sees the record sees its log."""

from __future__ import annotations

from typing import Any

from django import template

from pangting.core.transitions import log_entries

register = template.Library()


@register.inclusion_tag("includes/step_log.html")
def step_log(record: Any) -> dict[str, Any]:
    return {"entries": log_entries(record)}
