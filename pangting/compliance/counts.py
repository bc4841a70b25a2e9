"""Findings counted per unit, rule and severity: all, and still open (`FindingCount`, issue 15).

`count` is the one home of these sums; `store` writes them for some units (each run's
reconciliation calls it for the units it touched, in its transaction); `summed` adds them up per unit;
`check` compares every stored row with a recount.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Aggregate, Count, Q
from django.db.models.functions import Substr

from pangting.core.lookups import Ids

from .models import Finding, FindingCount

Key = tuple[int, str, str]  # (unit id, rule id, severity)
Counted = tuple[int, int]  # (all, open)


def count(year: int, unit_ids: Sequence[int] | None = None) -> dict[Key, Counted]:
    """The findings of `year` (of `unit_ids`, or of every unit) counted per unit, rule and severity."""
    findings = Finding.objects.filter(year=year)
    if unit_ids is not None:
        findings = findings.filter(unit_id__any_of=unit_ids)
    return {
        (unit_id, rule_id, severity): (total, open_)
        for unit_id, rule_id, severity, total, open_ in findings.order_by()
        .values_list("unit_id", "rule_id", "severity")
        .annotate(total=Count("pk"), open=Count("pk", filter=Q(resolved_at__isnull=True)))
        .values_list("unit_id", "rule_id", "severity", "total", "open")
    }


def store(year: int, unit_ids: Iterable[int]) -> int:
    """Recount `unit_ids`' findings of `year` and replace their rows; the number of rows written.

    Call it inside the transaction that changed the findings (`services._reconcile`)."""
    ids = sorted(set(unit_ids))
    if not ids:
        return 0
    with transaction.atomic():
        _one_at_a_time(ids)
        FindingCount.objects.filter(year=year, unit_id__any_of=ids).delete()
        return _write(year, count(year, ids))


LOCK_CLASS = 15_001  # the first key of the advisory locks `store` takes, one per unit (the second)


def _one_at_a_time(ids: list[int]) -> None:
    """On PostgreSQL, wait for any other transaction storing some of these units' counts to end.

    A run's parts are reconciled at once in several processes, and a unit can be touched by two
    of them (a supervising organization is a unit in one part and an office judged in another):
    both deleted its rows, then both inserted them, and the second insert broke the rows'
    identity. Taken in id order and held to the end of the transaction, the locks make the later
    store wait and then recount with the earlier one's findings committed. SQLite has one writer.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, unit_id) FROM (SELECT unnest(%s::int[]) AS unit_id ORDER BY 1) AS units",
            [LOCK_CLASS, ids],
        )


def _write(year: int, counted: dict[Key, Counted]) -> int:
    rows = [
        FindingCount(year=year, unit_id=unit_id, rule_id=rule_id, severity=severity, total=total, open=open_)
        for (unit_id, rule_id, severity), (total, open_) in counted.items()
    ]
    FindingCount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def summed(year: int, unit_ids: Ids | Sequence[int], sums: Mapping[str, Aggregate]) -> Iterator[dict[str, Any]]:
    """Per unit of `unit_ids` with counts in `year`: its `unit_id` and the `sums` over its stored
    counts (one grouped query). A sum's filter may name `rule_group`, a rule's group letter
    ("S" of "R-S2")."""
    rows = (
        FindingCount.objects.filter(year=year, unit_id__any_of=unit_ids)
        .alias(rule_group=Substr("rule_id", 3, 1))
        .values("unit_id")
        .annotate(**sums)
        .order_by()
    )
    return iter(rows)


@dataclass(frozen=True)
class Difference:
    """A stored count that is not the recount (None: a row missing on that side)."""

    key: Key
    stored: Counted | None
    counted: Counted | None


def check(year: int) -> list[Difference]:
    """Every stored count of `year` against a full recount of the findings."""
    recount = count(year)
    rows = {
        (unit_id, rule_id, severity): (total, open_)
        for unit_id, rule_id, severity, total, open_ in FindingCount.objects.filter(year=year).values_list(
            "unit_id", "rule_id", "severity", "total", "open"
        )
    }
    return [
        Difference(key, rows.get(key), recount.get(key))
        for key in sorted(rows.keys() | recount.keys())
        if rows.get(key) != recount.get(key)
    ]


def rebuild(year: int) -> int:
    """Recount every unit's findings of `year` (the rows of units without findings go)."""
    FindingCount.objects.filter(year=year).delete()
    return _write(year, count(year))
