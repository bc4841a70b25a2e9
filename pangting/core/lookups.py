"""`field__any_of=ids`: the field equals one of many integer ids, bound as one array on PostgreSQL (issue 15).

Django's `__in` binds one parameter per value, and each is prepared by the field (a related
field checks each one for a model instance) and then split out of the SQL text by psycopg:
the dashboards filter a dozen queries by every unit a supervisor reaches, which at 10,000
units is 120,000 parameters prepared and spliced on every view. On PostgreSQL `any_of` sends
`column = ANY(%s)` with the ids as one array; elsewhere (SQLite) it is `IN (%s, …)` as before.
The values must be integers (ids); an empty list matches nothing, as `__in` does.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[int]:
        return [int(value) for value in self.rhs]

    def _sides(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return lhs, list(lhs_params)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self._sides(compiler, connection)
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", [*params, *self.rhs]

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self._sides(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*params, list(self.rhs)]


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)  # related fields take only their own class's lookups
