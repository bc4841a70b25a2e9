"""Findings counted per unit, rule and severity: all, and still open (`FindingCount`, issue 15).

`count` is the one home of these sums; `store` writes them for some units (each run's
reconciliation calls it for the units it touched, in its transaction); `stored` reads them;
`check` compares every stored row with a recount.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db.models import Count, Q

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
    FindingCount.objects.filter(year=year, unit_id__any_of=ids).delete()
    return _write(year, count(year, ids))


def _write(year: int, counted: dict[Key, Counted]) -> int:
    rows = [
        FindingCount(year=year, unit_id=unit_id, rule_id=rule_id, severity=severity, total=total, open=open_)
        for (unit_id, rule_id, severity), (total, open_) in counted.items()
    ]
    FindingCount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def stored(year: int, unit_ids: Sequence[int]) -> Iterator[tuple[int, str, str, int, int]]:
    """(unit id, rule id, severity, all, open) of the stored counts of `unit_ids` in `year`."""
    return iter(
        FindingCount.objects.filter(year=year, unit_id__any_of=unit_ids)
        .order_by()
        .values_list("unit_id", "rule_id", "severity", "total", "open")
    )


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
