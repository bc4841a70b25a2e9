"""The demo's dates: one story, told relative to the one clock, so it holds on any day.

The demo replays two years of work (the main year and the one before it) up to today. The
main year is the current calendar year from July on; before July it is the previous one, so
that the spring semester the story closes visits in has already happened. The months of the
current year before July are filled too (sessions held so far, plans filed), so the pages of
the current year are never empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import clock


@dataclass(frozen=True)
class DemoDates:
    today: dt.date

    @property
    def year(self) -> int:
        """The main year of the story."""
        return self.today.year if self.today.month >= 7 else self.today.year - 1

    @property
    def previous(self) -> int:
        return self.year - 1

    @property
    def years(self) -> tuple[int, ...]:
        """Every year with study records: the previous year, the main year, and the current year."""
        return tuple(range(self.previous, self.today.year + 1))

    @property
    def next_year(self) -> int:
        """The year the supervisor plans next (planning demo): the one after the current year."""
        return self.today.year + 1


def demo_dates() -> DemoDates:
    return DemoDates(clock.today())


# The first `make run` loads the demo for about two minutes: the loading command puts a
# `progress(text)` callable into the hooks' context and prints what each step does. Hooks call
# `report_progress`; without a callable (tests, other callers) nothing is printed.
PROGRESS_KEY = "progress"


def report_progress(context: dict[str, Any], text: str) -> None:
    """Tell whoever loads the demo what is being built now (a line of the loading command's output)."""
    progress: Callable[[str], None] | None = context.get(PROGRESS_KEY)
    if progress is not None:
        progress(text)


def refresh_statistics(using: str = "default") -> None:
    """Let the database's planner see the rows just loaded (`ANALYZE`).

    Loading the demo writes tens of thousands of rows in one transaction. Until the tables are
    analysed, PostgreSQL knows their size but nothing of their columns (a fresh database, or a
    test's, has no statistics), guesses how selective each join and filter is, and a badly guessed
    join can take minutes on a full table. `ANALYZE` inside the transaction counts the
    transaction's own rows. Only this database's own tables: a plain `ANALYZE` also takes the
    catalogs every database of the server shares, and holds them until the transaction ends.

    SQLite keeps no statistics until told to: it then takes any index on a filtered column, and
    a unit's sessions of the year were read through the index of every unit's (kind, start) rather
    than the unit's own (issue 15: a unit's refresh of the checks, 182 ms before `ANALYZE` and
    96 ms after it at 400 units). `migrate` runs it too (`core.apps`).
    """
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    tables = connection.introspection.table_names(include_views=False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(quote(table) for table in tables))
