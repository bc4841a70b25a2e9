"""`field__any_of=ids`: the field equals one of many integer ids, bound as one array on PostgreSQL (issue 15).

Django's `__in` binds one parameter per value, and each is prepared by the field (a related
field checks each one for a model instance) and then split out of the SQL text by psycopg:
the dashboards filter a dozen queries by every unit a supervisor reaches, which at 10,000
units is 120,000 parameters prepared and spliced on every view. On PostgreSQL `any_of` sends
`column = ANY(%s)` with the ids as one array; elsewhere (SQLite) it is `IN (%s, …)` as before.
The values must be integers (ids); an empty list matches nothing, as `__in` does.

A list is still walked value by value before the lookup sees it: Django resolves each item in
case it is an expression, checks each against a related field's model, and psycopg then writes
the array item by item. At 10,000 units the dashboard paid that twelve times per view. `Ids`
holds the ids once per request, is not a list to those walks, and writes its array literal with
one `join`; pass one wherever the same ids filter several queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


class Ids:
    """Integer ids for `__any_of`, made once and bound in many queries.

    Deliberately not iterable: Django walks a list or anything with `__iter__` item by item
    before a lookup sees it (see the module's text). Read the ids from `values`."""

    def __init__(self, values: Iterable[Any]) -> None:
        self.values: tuple[int, ...] = tuple(map(int, values))

    @cached_property
    def array(self) -> str:
        """The ids as a PostgreSQL array literal, `{1,2,3}`."""
        return "{" + ",".join(map(str, self.values)) + "}"

    def __len__(self) -> int:
        return len(self.values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ids) and other.values == self.values

    def __hash__(self) -> int:
        return hash(self.values)

    def __repr__(self) -> str:
        return f"Ids({len(self.values)} ids)"


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> Ids:
        return self.rhs if isinstance(self.rhs, Ids) else Ids(self.rhs)

    def _sides(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return lhs, list(lhs_params)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self._sides(compiler, connection)
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", [*params, *self.rhs.values]

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self._sides(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*params, self.rhs.array]


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)  # related fields take only their own class's lookups
