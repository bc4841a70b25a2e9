"""The home page's "my to-dos": each app registers a provider function (`core.registry`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pangting.core import clock, registry


@dataclass(frozen=True)
class Todo:
    """One thing the user owes: what, where to do it, by when, how urgent."""

    title: str
    url: str
    detail: str = ""
    due: dt.date | None = None
    due_basis: str = ""
    severity: str = "info"  # info | warn | bad

    @property
    def overdue(self) -> bool:

        return self.due is not None and self.due < clock.today()


_SEVERITY_ORDER = {"bad": 0, "warn": 1, "info": 2}


def collect_todos(user: Any) -> list[Todo]:
    todos: list[Todo] = [todo for provider in registry.todo_providers() for todo in provider(user)]
    return sorted(todos, key=lambda t: (_SEVERITY_ORDER.get(t.severity, 3), t.due or dt.date.max, t.title))
