"""Timestamps read by psycopg's compiled loader on PostgreSQL (issue 15).

Django reads every `timestamptz` through its own loader, a subclass of psycopg's pure-Python
`TimestamptzLoader` that replaces the zone of each value with the connection's (Django ticket
#36960): the compiled loader of `psycopg[binary]` cannot be subclassed, so Django's parses
each value with a regular expression in Python. A run of the rule checks reads about 140,000
timestamps at 400 units, a dashboard or a list thousands.

`register(connection)` puts on each new connection a loader that does what Django's does,
with the compiled loader doing the parsing: about a third of the time per value. It keeps
Django's `timezone` attribute, by which Django's `create_cursor` decides whether to put its
own loader back on a cursor (it does, when a test overrides the time zone). Where psycopg
has no compiled loader (its pure-Python build), nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _compiled_loader() -> Any:
    """The loader class psycopg itself registers for `timestamptz` text, if it is the compiled one."""
    import psycopg
    from psycopg.postgres import types
    from psycopg.pq import Format
    from psycopg.types.datetime import TimestamptzLoader

    loader = psycopg.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
    return None if loader is None or loader is TimestamptzLoader else loader


def register(connection: Any) -> bool:
    """Give `connection` (a Django PostgreSQL connection, just opened) the compiled loader.

    Returns whether it did (False on other databases and with psycopg's pure-Python build)."""
    if connection.vendor != "postgresql" or connection.connection is None:
        return False
    compiled = _compiled_loader()
    if compiled is None:
        return False
    from psycopg.types.datetime import TimestamptzLoader

    class CompiledTzLoader(TimestamptzLoader):
        """Django's `BaseTzLoader` (the value in `timezone`, or naive), parsed by `compiled`."""

        timezone = connection.timezone

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._parse: Callable[[Any], Any] = compiled(oid, context).load

        def load(self, data: Any) -> Any:
            return self._parse(data).replace(tzinfo=self.timezone)

    connection.connection.adapters.register_loader("timestamptz", CompiledTzLoader)
    return True


def connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    """The `connection_created` receiver (`CoreConfig.ready`)."""
    register(connection)
