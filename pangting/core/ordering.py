"""Lists put this year's work first (issue 16).

Next year's imported or planned records (an approved plan draft, sessions planned ahead) are
real work, but ordered by year descending they pushed everything of this year to page 2.
`current_year_first` ranks a list by the year of its records: this year (per `clock`), then
later years, then earlier ones; each list keeps its own order inside a rank.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from pangting.core import clock

__all__ = ["CurrentYearFirst", "current_year_first"]

THIS_YEAR, LATER_YEARS, EARLIER_YEARS = 0, 1, 2


def _ranks(year_lookup: str, year: int | None) -> tuple[Q, Q, Q]:
    """The records of this year (per `clock` unless given), of later years, of earlier years:
    the one definition of the ranks, which both forms of the order below read."""
    year = clock.today().year if year is None else year
    return Q(**{year_lookup: year}), Q(**{f"{year_lookup}__gt": year}), Q(**{f"{year_lookup}__lt": year})


def current_year_first(queryset: QuerySet[Any], year_lookup: str, *then: str, year: int | None = None) -> QuerySet[Any]:
    """`queryset` ordered this year first, later years next, earlier years last, then by `then`.

    `year_lookup` reaches the record's year: "year", "visit__year", "starts_at__year"."""
    this_year, later, _earlier = _ranks(year_lookup, year)
    rank = Case(
        When(this_year, then=Value(THIS_YEAR)),
        When(later, then=Value(LATER_YEARS)),
        default=Value(EARLIER_YEARS),
        output_field=IntegerField(),
    )
    return queryset.alias(year_rank=rank).order_by("year_rank", *then)


class CurrentYearFirst:
    """The rows of `current_year_first`, read a year-segment at a time (issue 15).

    Ranked by a CASE over every row, a province's first page sorted its 150,000 sessions to
    find 30. Here each rank is its own range on the year (`year_lookup`, `__gt`, `__lt`: the
    same lookups as the ranking, bounds an index on the date serves), in the list's own order,
    and a page reads the segments it overlaps. A paginator takes it as it takes a queryset: the
    number of rows is one COUNT; a segment's own COUNT is read only when a page starts past the
    rows it returned (a page that crosses into the next rank, or a later page)."""

    def __init__(self, queryset: QuerySet[Any], year_lookup: str, *then: str, year: int | None = None) -> None:
        self.queryset = queryset
        ranks = _ranks(year_lookup, year)
        self.segments = [queryset.filter(rank).order_by(*then) if then else queryset.filter(rank) for rank in ranks]
        self.ordered = True

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[Any]:
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("CurrentYearFirst is read by pages: a slice without a step.")
        start, stop = key.start or 0, key.stop
        rows: list[Any] = []
        for segment in self.segments:
            if stop is not None and stop <= start:
                break
            found = list(segment[start:stop])
            rows += found
            if stop is not None and len(rows) >= key.stop - (key.start or 0):
                break
            # The segment ran out inside the slice, or before it: the rest starts in the next rank.
            passed = start + len(found) if found else segment.count()
            start, stop = max(start - passed, 0), None if stop is None else stop - passed
        return rows
