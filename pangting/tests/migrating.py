"""Moving the test database to a migration state and back, for the tests of data migrations."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(targets: list[tuple[str, str]]) -> Any:
    """Apply or unapply migrations until `targets` are the leaves; the historical apps of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def migrate_to_latest() -> Any:
    """Back to the newest migrations, as the rest of the suite expects."""
    return migrate_to(list(MigrationExecutor(connection).loader.graph.leaf_nodes()))
