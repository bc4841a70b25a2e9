"""Which units' records changed, and when: the small indexed table the staleness check reads (issue 15).

A record that marks its unit (`UnitChangeRecord`: the study and observation records the
compliance checks read) calls `touch` on every save, soft deletion included, and every
workflow step saves the record it moves. `touch` upserts the `UnitChange` row of the record's
own organization; a unit is stale when a row of its subtree (a path prefix) changed after its
last run. The staleness check reads that small indexed table instead of the `updated_at` of
many tables.

Writes that bypass `save()` (`bulk_create`, `QuerySet.update`) call `touch` themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from django.apps import apps
from django.db import models

from pangting.core import clock

from .models import PATH_STEP, Organization, UnitChange


def _own_id(path: str) -> int:
    """The id of the organization at `path`: the last step of its materialized path."""
    return int(path[-PATH_STEP:])


def touch(organizations: Organization | str | Iterable[Organization | str], at: dt.datetime | None = None) -> None:
    """Mark these organizations (or the organizations at these materialized paths) as changed at `at` (default: now).

    One upsert (`INSERT … ON CONFLICT (unit_id) DO UPDATE`, on PostgreSQL and SQLite alike). Only
    the record's own organization is marked, never its ancestors: a write locks its own row
    until it commits, so writes in different branches of one city do not queue on the city's row.
    """
    items = [organizations] if isinstance(organizations, Organization | str) else list(organizations)
    paths = [item if isinstance(item, str) else item.path for item in items]
    ids = {_own_id(path) for path in paths if path}
    if not ids:
        return
    moment = at or clock.now()
    UnitChange.objects.bulk_create(
        # Sorted, so that two transactions lock shared rows in the same order.
        [UnitChange(unit_id=pk, changed_at=moment) for pk in sorted(ids)],
        update_conflicts=True,
        unique_fields=["unit"],
        update_fields=["changed_at"],
    )


def changed_since(since: dt.datetime, units: Sequence[Organization]) -> set[int]:
    """Ids of `units` with an organization of their subtree changed after `since`.

    One query through `unitchange_since`: for one unit an EXISTS on its path prefix; for many,
    the paths of the organizations changed since (one row each), matched to the units by prefix.
    """
    if not units:
        return set()
    rows = UnitChange.objects.filter(changed_at__gt=since)
    if len(units) == 1:
        (unit,) = units
        return {unit.pk} if rows.filter(unit__path__startswith=unit.path).exists() else set()
    by_path = {unit.path: unit.pk for unit in units}
    changed: set[int] = set()
    for path in rows.values_list("unit__path", flat=True):
        for end in range(PATH_STEP, len(path) + 1, PATH_STEP):
            unit_id = by_path.get(path[:end])
            if unit_id is not None:
                changed.add(unit_id)
    return changed


class UnitChangeRecord:
    """Mixin of a record whose saves change its units' compliance findings: each save `touch`es them.

    `unit_change_fields` are the paths from the record to the organization(s) it belongs to
    (a cross-observation: its host and its visitor). List it first among the model's bases, so
    that the save it follows is the whole save (a workflow record's guarded one included).
    """

    unit_change_fields: ClassVar[tuple[str, ...]] = ("organization",)

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)  # type: ignore[misc]
        touch(record_paths([self]))


def _cached_path(record: models.Model, field: str) -> str | None:
    """The organization's path if every hop of `field` is already loaded on the record (no query)."""
    obj: Any = record
    for name in field.split("__"):
        descriptor = obj._meta.get_field(name)
        if not descriptor.is_cached(obj):
            return None
        obj = getattr(obj, name)
        if obj is None:
            return ""
    return obj.path if isinstance(obj, Organization) else None


def record_paths(records: Iterable[Any]) -> set[str]:
    """The paths of the organizations these records belong to: from the loaded relations, else one query per model."""
    paths: set[str] = set()
    missing: dict[type[models.Model], set[Any]] = {}
    for record in records:
        for field in record.unit_change_fields:
            path = _cached_path(record, field)
            if path is None:
                missing.setdefault(type(record), set()).add(record.pk)
            else:
                paths.add(path)
    for model, pks in missing.items():
        fields = [f"{field}__path" for field in model.unit_change_fields]  # type: ignore[attr-defined]
        for row in model._base_manager.filter(pk__in=pks).values_list(*fields):
            paths.update(path for path in row if path)
    paths.discard("")
    return paths


def unit_change_models() -> list[tuple[type[models.Model], str]]:
    """Every (model, path to its organization) that marks its units when saved, in app order."""
    return [
        (model, field)
        for model in apps.get_models()
        if issubclass(model, UnitChangeRecord)
        for field in model.unit_change_fields
    ]
