"""Lists put this year's work first (issue 16).

Next year's imported or planned records (an approved plan draft, sessions planned ahead) are
real work, but ordered by year descending they pushed everything of this year to page 2.
`current_year_first` ranks a list by the year of its records: this year (per `clock`), then
later years, then earlier ones; each list keeps its own order inside a rank.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When

from pangting.core import clock

__all__ = ["current_year_first"]

THIS_YEAR, LATER_YEARS, EARLIER_YEARS = 0, 1, 2


def current_year_first(queryset: QuerySet[Any], year_lookup: str, *then: str, year: int | None = None) -> QuerySet[Any]:
    """`queryset` ordered this year first, later years next, earlier years last, then by `then`.

    `year_lookup` reaches the record's year: "year", "visit__year", "starts_at__year"."""
    year = clock.today().year if year is None else year
    rank = Case(
        When(**{year_lookup: year}, then=Value(THIS_YEAR)),
        When(**{f"{year_lookup}__gt": year}, then=Value(LATER_YEARS)),
        default=Value(EARLIER_YEARS),
        output_field=IntegerField(),
    )
    return queryset.alias(year_rank=rank).order_by("year_rank", *then)
