"""R-O15 to-dos: the supervisor's home page lists the year's summary and bulletin his level owes,
from the reminder period on (`yearend.remind_from`) until each is issued, with its due day."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.todos import Todo

from . import yearend

A = policy.Action


def yearend_todos(user: Any) -> list[Todo]:
    """One to-do per document owed by a level whose documents the user issues (his own seat)."""
    if not policy.can(user, A.REPORTS_MANAGE):
        return []
    today = clock.today()
    offices = list(policy.seats(user, A.REPORTS_MANAGE))
    todos = []
    for item in yearend.owed(today, offices):
        todos.append(
            Todo(
                _("{office}：{what}").format(office=item.office.display_name, what=item.what),
                yearend.document_list_url(item.year),
                detail=_("向党委书面报告全年巡听旁听情况，并通报各单位学习情况（R-O15）"),
                due=item.due,
                due_basis=_("每年{month}月{day}日前").format(month=item.due.month, day=item.due.day),
                severity="bad" if item.due < today else "warn",
            )
        )
    return todos
