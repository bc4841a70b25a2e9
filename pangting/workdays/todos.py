from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core.todos import Todo

from .services import missing_next_year


def calendar_todos(user: Any) -> list[Todo]:
    """From October, remind the system administrator to enter next year's holidays."""
    if not policy.can(user, policy.Action.CALENDAR_CHANGE):
        return []
    year = missing_next_year()
    if year is None:
        return []
    return [
        Todo(
            title=_("录入{year}年节假日安排").format(year=year),
            url=reverse("workdays:year_form", args=[year]),
            detail=_("国务院办公厅通常于11—12月发布下一年度节假日安排；录入前，跨入该年的工作日期限将无法计算。"),
            severity="warn",
        )
    ]
