"""Writing many new rows of a derived table at once (issue 15).

`insert_new(model, objs)` stores `objs` as `bulk_create` does, with PostgreSQL's `COPY` where
the database is PostgreSQL: Django binds parameters on the client, and quoting the arrays of
its batched `INSERT … UNNEST` in Python took three times as long as the `COPY` for a run of
the rule checks' 31,000 findings at 200 units (3.9 s against 1.3 s). Like `bulk_create`, it
sends no signals and keeps no history: it is for derived rows (findings), not business
records. Unlike it, the objects do not learn their primary keys.

`insert_values(model, columns, rows)` inserts plain tuples (values already as the database
stores them), for tables of many small rows where building an instance per row costs more than
writing it: the text index's 32 band rows per document, 1.5 million at 1,000 units.

`update_rows(model, objs, fields)` stores `fields` of existing rows as `bulk_update` does. On
PostgreSQL it copies the values into a temporary table and updates from it in one statement:
`bulk_update` builds a `CASE WHEN id = … THEN …` per field and row in Python and the database
tests every row against every `WHEN` of its batch, which for the text scan's documents of a
province (450,000 rows, 12 fields) is minutes. Same limits as `insert_new`: derived rows only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, models, router, transaction

BATCH = 500  # bulk_create's batch on the other databases


def _vendor(model: type[models.Model]) -> Any:
    return connections[router.db_for_write(model)]


def insert_new(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert `objs` (new instances of `model`, primary keys left to the database)."""
    if not objs:
        return
    connection = _vendor(model)
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=BATCH)
        return
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])


def insert_values(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert `rows` (tuples of database values, in the order of the fields named by `columns`)."""
    connection = _vendor(model)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", list(rows))  # noqa: S608 - quoted model names  # nosec B608


def update_rows(model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Store `fields` of `objs` (instances of existing rows of `model`, primary keys set)."""
    if not objs:
        return
    connection = _vendor(model)
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, list(fields), batch_size=BATCH)
        return
    meta = model._meta
    pk: Any = meta.pk  # every concrete model has one
    targets = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    table, staged = quote(meta.db_table), quote(f"{meta.db_table}_staged")
    columns = [quote(pk.column), *(quote(f.column) for f in targets)]  # type: ignore[union-attr]
    names = ", ".join(columns)
    assignments = ", ".join(f"{column} = staged.{column}" for column in columns[1:])
    # Identifiers quoted by the backend from the model's table and columns (nosec below); every
    # value goes through COPY.
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # The temporary table has the columns only (no NOT NULL of the others) and goes at commit.
        cursor.execute(f"DROP TABLE IF EXISTS {staged}")  # quoted model name  # nosec B608
        cursor.execute(f"CREATE TEMPORARY TABLE {staged} ON COMMIT DROP AS SELECT {names} FROM {table} WITH NO DATA")  # noqa: S608 - quoted model names  # nosec B608
        with cursor.cursor.copy(f"COPY {staged} ({names}) FROM STDIN") as copy:
            for obj in objs:
                row = [pk.get_db_prep_save(obj.pk, connection)]
                row.extend(f.get_db_prep_save(f.pre_save(obj, False), connection) for f in targets)  # type: ignore[union-attr]
                copy.write_row(row)
        key = columns[0]
        cursor.execute(f"UPDATE {table} SET {assignments} FROM {staged} AS staged WHERE {table}.{key} = staged.{key}")  # noqa: S608 - quoted model names  # nosec B608
