"""Moving the test database to a migration state and back, for the tests of data migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import OperationalError, connection
from django.db.migrations.executor import MigrationExecutor

# A schema change waits for every other transaction that touched its tables. A connection left
# open in a transaction by an earlier test would make it wait for ever; it fails instead, naming
# the sessions that held the tables.
LOCK_TIMEOUT = "60s"


def _other_sessions() -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state, xact_start, left(query, 200) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'"
        )
        return list(cursor.fetchall())


@contextmanager
def _bounded_lock_waits() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        yield
    except OperationalError as error:
        raise AssertionError(f"the migration waited {LOCK_TIMEOUT} for a lock; held by {_other_sessions()}") from error
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


def migrate_to(targets: list[tuple[str, str]]) -> Any:
    """Apply or unapply migrations until `targets` are the leaves; the historical apps of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    with _bounded_lock_waits():
        executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def migrate_to_latest() -> Any:
    """Back to the newest migrations, as the rest of the suite expects."""
    return migrate_to(list(MigrationExecutor(connection).loader.graph.leaf_nodes()))
