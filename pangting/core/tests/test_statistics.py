"""`core.demo.refresh_statistics`: the planner's statistics, on both databases (issue 15: without
them SQLite read a unit's sessions through the index of every unit's)."""

from __future__ import annotations

import pytest
from django.db import connection

from pangting.core.demo import refresh_statistics

pytestmark = pytest.mark.django_db


def test_it_gives_the_planner_the_rows_of_the_tables(world):
    refresh_statistics()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'orgs_organization' LIMIT 1")
            ((rows,),) = cursor.fetchall() or [("0",)]
            counted = int(rows.split()[0])
        else:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'orgs_organization'")
            counted = int(cursor.fetchone()[0])
    assert counted >= 3  # the root and world's two units at least
