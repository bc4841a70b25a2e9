"""Query parameters of the API, read strictly: a value that is present but not valid answers 400.

The web pages read filters leniently (`core.views.parse_id` / `parse_year`: anything odd means
"no filter"), which suits a form a person retypes. An API client is a program: silently
ignoring `?year=abc` would hand it an unfiltered list it takes for a filtered one. So here an
invalid value is refused with a Chinese message, and the OpenAPI document states the same
bounds (see `QUERY_INTEGER_BOUNDS`, applied by `core.api_schema`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

from pangting.core.views import MAX_ID, parse_id

YEAR_MIN, YEAR_MAX = 1, 9999  # what `datetime` accepts; a year outside any record simply matches nothing

# Bounds of integer query parameters by name, stated in the schema and enforced by the readers below.
QUERY_INTEGER_BOUNDS: dict[str, tuple[int, int]] = {"year": (YEAR_MIN, YEAR_MAX), "page": (1, MAX_ID)}
ID_BOUNDS = (1, MAX_ID)


def _refuse(name: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({name: [message]})


def query_id(params: Mapping[str, Any], name: str) -> int | None:
    """The record id in query parameter `name`, None if absent; 400 if present but not an id."""
    raw = params.get(name)
    if raw is None:
        return None
    number = parse_id(str(raw))
    if number is None or number < ID_BOUNDS[0]:
        raise _refuse(name, _("“{name}”应为有效的编号（正整数）。").format(name=name))
    return number


def query_year(params: Mapping[str, Any], name: str = "year") -> int | None:
    """The year in query parameter `name` (1–9999), None if absent; 400 if present but not a year."""
    raw = params.get(name)
    if raw is None:
        return None
    number = parse_id(str(raw))
    if number is None or not YEAR_MIN <= number <= YEAR_MAX:
        raise _refuse(name, _("“{name}”应为{low}—{high}之间的年份。").format(name=name, low=YEAR_MIN, high=YEAR_MAX))
    return number


def query_choice(params: Mapping[str, Any], name: str, choices: list[str]) -> str | None:
    """The value of query parameter `name` if one of `choices`, None if absent; 400 otherwise (empty included)."""
    raw = params.get(name)
    if raw is None:
        return None
    if raw not in choices:
        raise _refuse(name, _("“{name}”应为以下之一：{choices}。").format(name=name, choices=_("、").join(choices)))
    return str(raw)


class StrictPageNumberPagination(PageNumberPagination):
    """DRF's pages, except that an empty `page=` is an invalid page (404, as `page=abc` is), not page 1."""

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and not raw.strip():
            raise NotFound(_("未找到。"))
        return super().get_page_number(request, paginator)
