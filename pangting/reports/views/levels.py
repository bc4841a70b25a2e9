"""The subordinate supervisors' dashboard (R-O23): the levels a user reads, compared."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pangting.accounts import policy

from .. import levels
from .dashboards import _year

A = policy.Action


@login_required
def level_dashboard(request: HttpRequest) -> HttpResponse:
    """Each supervising level the user reads: its units' coverage (R-O11) and its timeliness.

    The user's own level (where he manages observation) is marked; the others are read-only,
    with a link to their plan."""
    user = request.user
    policy.require(user, A.REPORTS_VIEW)
    year, year_error = _year(request)
    own = set(policy.seats(user, A.OBSERVATION_MANAGE).values_list("pk", flat=True))
    readable = policy.seats(user, A.OBSERVATION_VIEW)
    rows = levels.level_rows(readable, year)
    return render(
        request,
        "reports/levels.html",
        {
            "year": year,
            "year_error": year_error,
            "rows": rows,
            "own": own,
            "has_lower": any(row.organization.pk not in own for row in rows) and len(rows) > 1,
        },
    )
