"""Issue 15: PostgreSQL timestamps are parsed by psycopg's compiled loader, and read as Django reads them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.test import override_settings

from pangting.core import pg_timestamps
from pangting.study.models import StudySession
from pangting.study.tests.builders import at, make_session

pytestmark = pytest.mark.django_db

# Written in several zones and precisions; each is read as the same instant in UTC.
LITERALS = [
    "2026-01-06 14:30:00+08",
    "2026-01-06 06:30:00.123456+00",
    "2025-12-31 23:59:59.999999-05:30",
    "1999-02-28 00:00:00+00",
    "2026-10-25 01:30:00+01",
]


def _read(literals: list[str]) -> list[dt.datetime]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(["%s::timestamptz"] * len(literals)), literals)
        return list(cursor.fetchone())


@pytest.fixture
def postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's timestamps are read by Django's converters")
    connection.ensure_connection()


def test_a_connection_reads_timestamps_with_the_compiled_loader(postgresql):
    from psycopg.postgres import types
    from psycopg.pq import Format

    if pg_timestamps._compiled_loader() is None:
        pytest.skip("psycopg without its compiled build")
    loader = connection.connection.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
    assert loader.__name__ == "CompiledTzLoader" and loader.timezone is connection.timezone


def test_values_are_those_of_djangos_own_loader(postgresql):
    ours = _read(LITERALS)
    register_tzloader(connection.timezone, connection.connection)  # Django's loader back on the connection
    try:
        djangos = _read(LITERALS)
    finally:
        pg_timestamps.register(connection)
    assert ours == djangos
    assert [v.tzinfo for v in ours] == [dt.UTC] * len(LITERALS)  # Django's zone object, not a ZoneInfo
    assert ours[0] == dt.datetime(2026, 1, 6, 6, 30, tzinfo=dt.UTC)
    assert ours[2] == dt.datetime(2026, 1, 1, 5, 29, 59, 999999, tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute("SELECT NULL::timestamptz")
        assert cursor.fetchone() == (None,)


def test_a_model_reads_back_what_it_wrote(postgresql, world):
    session = make_session(world.unit_a, starts_at=at(2026, 11, 2, 9, 30))
    read = StudySession.objects.get(pk=session.pk)
    assert read.starts_at == session.starts_at and read.starts_at.tzinfo is dt.UTC


def test_a_cursor_under_another_zone_gets_djangos_loader_as_before(postgresql):
    # Without time zone support Django reads naive values: its own loader is put on each cursor.
    with override_settings(USE_TZ=False):
        (value,) = _read(LITERALS[:1])
        assert value.tzinfo is None
    assert _read(LITERALS[:1]) == [dt.datetime(2026, 1, 6, 6, 30, tzinfo=dt.UTC)]


def test_nothing_is_registered_on_sqlite():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    connection.ensure_connection()
    assert pg_timestamps.register(connection) is False


def test_a_connection_runs_without_query_compilation(postgresql):
    """Issue 15: JIT compiling took 100–120 ms of dashboard queries that run in 10 ms (settings)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
