"""The home page's "my to-dos": each app contributes a provider function (settings)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


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
        from django.utils import timezone

        return self.due is not None and self.due < timezone.localdate()


_SEVERITY_ORDER = {"bad": 0, "warn": 1, "info": 2}


def collect_todos(user: Any) -> list[Todo]:
    providers: list[Callable[[Any], list[Todo]]] = [import_string(p) for p in settings.PANGTING_TODO_PROVIDERS]
    todos = [todo for provider in providers for todo in provider(user)]
    return sorted(todos, key=lambda t: (_SEVERITY_ORDER.get(t.severity, 3), t.due or dt.date.max, t.title))
