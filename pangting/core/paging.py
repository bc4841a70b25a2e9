"""Paging of every list page: one home for the page size, the page read from `?page=` and the
query string the pagination links carry (`templates/includes/pagination.html`).

Issue 15: no list renders every record of a province; each page costs the same whatever the
number of rows (a COUNT and one page of rows). Where a summary table already holds the number of
rows, `KnownCount` gives it to the paginator instead of the COUNT.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PER_PAGE = 50


class KnownCount:
    """A queryset whose number of rows is known from elsewhere (a summary table that equals a count).

    A paginator (Django's, and DRF's, which uses it) reads `count()` from here and slices the
    queryset for the page's rows, so a page of a province's 1.5 million findings reads one page
    of rows and no COUNT over them."""

    def __init__(self, queryset: Any, count: int) -> None:
        self.queryset = queryset
        self.known = count

    def count(self) -> int:
        return self.known

    def __len__(self) -> int:
        return self.known

    def __getitem__(self, key: Any) -> Any:
        return self.queryset[key]

    @property
    def ordered(self) -> bool:
        return bool(self.queryset.ordered)


def paginate(request: HttpRequest, items: Any, per_page: int | None = None, *, param: str = "page") -> tuple[Page, str]:
    """The page of `items` the request asks for (an ordered queryset or a list), and the query
    string without `page` for the pagination links. A bad or too large page number gives the
    nearest page, never an error. A page with two lists pages the second by its own `param`
    (the include's `page_param`), so each list's links keep the other list's page."""
    page = Paginator(items, per_page or PER_PAGE).get_page(request.GET.get(param))
    query = request.GET.copy()
    query.pop(param, None)
    return page, query.urlencode()


def page_context(request: HttpRequest, items: Any, per_page: int | None = None) -> dict[str, Any]:
    """`page_obj` and `query_string` as the pagination include reads them."""
    page, query_string = paginate(request, items, per_page)
    return {"page_obj": page, "query_string": query_string}
