"""Bookkeeping writes on the read path that never wait for, nor fail, the request.

A read (an API call, a page) may want to note something small: a token's last use, a session's
renewal. Such a note is worth less than the answer, so when another transaction holds the
database (SQLite's single writer, a PostgreSQL row lock) it is skipped at once instead of
waiting for the lock (20 s busy timeout on SQLite) and then failing the read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.db import DatabaseError, connections, transaction

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long PostgreSQL may wait for a row lock before the note is skipped.
POSTGRES_LOCK_TIMEOUT_MS = 200


@contextmanager
def _no_busy_wait(using: str) -> Iterator[None]:
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(previous)}")


def try_write(write: Callable[[], T], *, using: str = "default") -> T | None:
    """Run `write` now if the database is free; return None (and log) if it is held.

    Inside an outer transaction that already writes, the note simply joins it. Outside one, the
    write runs in its own short transaction (a savepoint when nested) so a refused lock rolls
    back only the note.
    """
    connection = connections[using]
    try:
        with _no_busy_wait(using), transaction.atomic(using=using):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{POSTGRES_LOCK_TIMEOUT_MS}ms'")
            return write()
    except DatabaseError as error:
        log.info("Skipped a bookkeeping write while the database is busy: %s", error)
        return None
