"""Error pages in Chinese (the 404 is also what a forbidden record answers), and request parsing helpers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponse(loader.get_template("500.html").render(), status=500)


MAX_ID = 2**63 - 1  # the largest primary key any of our databases stores


def parse_id(value: str | None) -> int | None:
    """A record id from a query parameter, or None for anything that is not one.

    `str.isdigit()` accepts "²" (which `int()` refuses) and numbers too large for the
    database driver (SQLite raises OverflowError): both would otherwise answer 500.
    """
    value = (value or "").strip()
    if not value.isdecimal() or not value.isascii():
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def parse_year(value: str | None) -> int | None:
    """A calendar year from a query parameter (1–9999, what `datetime` accepts), or None."""
    number = parse_id(value)
    return number if number is not None and 1 <= number <= 9999 else None
