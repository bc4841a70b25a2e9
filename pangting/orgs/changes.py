"""Which units' records changed, and when: the small indexed table the staleness check reads (issue 15).

A record that marks its unit (`UnitChangeRecord`: the study and observation records the
compliance checks read) calls `touch` on every save, soft deletion included, and every
workflow step saves the record it moves. `touch` upserts one `UnitChange` row for each
organization above the record's organization but the root, so each unit containing it is
marked in one query: its ancestors are spelled out by its materialized path. The staleness
check then reads one indexed row instead of the `updated_at` of many tables.

Writes that bypass `save()` (`bulk_create`, `QuerySet.update`) call `touch` themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Any, ClassVar

from django.apps import apps
from django.db import models

from pangting.core import clock

from .models import PATH_STEP, Organization, UnitChange


def _ancestor_ids(path: str) -> list[int]:
    """The ids of the organizations on `path` (its own included) but the root, which is never a unit."""
    return [int(path[i : i + PATH_STEP]) for i in range(PATH_STEP, len(path), PATH_STEP)]


def touch(organizations: Organization | str | Iterable[Organization | str], at: dt.datetime | None = None) -> None:
    """Mark the units containing these organizations (or materialized paths) as changed at `at` (default: now).

    One upsert (`INSERT … ON CONFLICT (unit_id) DO UPDATE`, on PostgreSQL and SQLite alike).
    """
    items = [organizations] if isinstance(organizations, Organization | str) else list(organizations)
    ids: set[int] = set()
    for item in items:
        ids.update(_ancestor_ids(item if isinstance(item, str) else item.path))
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


def changed_since(since: dt.datetime, unit_ids: Collection[int] | None = None) -> set[int]:
    """Ids of the organizations (among `unit_ids`, if given) whose subtree's records changed after `since`.

    One query through `unitchange_since`, or through the unit's own row for a single unit."""
    rows = UnitChange.objects.filter(changed_at__gt=since)
    if unit_ids is not None:
        if not unit_ids:
            return set()
        rows = rows.filter(unit_id__in=unit_ids)
    return set(rows.values_list("unit_id", flat=True))


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
