"""The leadership's home page section (issue 16): the figures party-committee leaders ask for.

Registered for the "home" page in `ReportsConfig.ready`, so the project's home page composes
it without importing reports. Shown to leadership viewers and observation leaders; every
figure comes from the one-home modules (`observation.coverage` through `metrics`,
`compliance` findings, `charts`) over the units the policy lets the user read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Sum
from django.http import HttpRequest
from django.template.loader import render_to_string

from pangting.accounts import policy
from pangting.accounts.models import Role
from pangting.compliance.models import Finding, FindingCount
from pangting.core import clock
from pangting.core.lookups import Ids
from pangting.observation.models import Rectification, State, Visit
from pangting.orgs.models import Organization
from pangting.orgs.units import units as unit_set

from .. import charts, metrics

A = policy.Action
LEADERSHIP_ROLES = frozenset({Role.LEADERSHIP_VIEWER, Role.OBSERVATION_LEADER})
COMING_DAYS = 30
LISTED = 8  # rows of each list on the home page; the full lists are one link away


def _units(user: Any) -> list[Organization]:
    action = A.REPORTS_VIEW if not policy.reach(user, A.REPORTS_VIEW).is_empty else A.OBSERVATION_VIEW
    return list(unit_set(Organization.objects.for_user(user, action)))


def leadership_overview(user: Any, today: dt.date) -> dict[str, Any]:
    """This year's coverage, units in red, overdue rectification, coming visits and the participation trend."""
    year = today.year
    units = _units(user)
    # The open red findings per unit from their stored counts (`compliance.counts`): a province
    # has 1.5 million findings a year (issue 15).
    red = list(
        FindingCount.objects.for_user(user)
        .filter(year=year, severity=Finding.Severity.RED, open__gt=0, unit_id__any_of=Ids(u.pk for u in units))
        .values("unit_id", "unit__name")
        .annotate(n=Sum("open"))
        .order_by("-n", "unit__name")
    )
    overdue = (
        Rectification.objects.for_user(user)
        .filter(
            status__in=(Rectification.Status.OPEN, Rectification.Status.SENT_BACK),
            deadline__lt=today,
        )
        .exclude(visit__deleted_at__isnull=False)  # an item of a deleted visit; problem-list items have none
        .select_related("unit")
        .order_by("deadline", "pk")
    )
    now = clock.now()
    coming = (
        Visit.objects.for_user(user)
        .exclude(state=State.CANCELLED)
        .filter(session__starts_at__gte=now, session__starts_at__lt=now + dt.timedelta(days=COMING_DAYS))
        .select_related("unit", "session")
        .order_by("session__starts_at")
    )
    trend = charts.participation_trend_chart(units, year, until_month=today.month)
    overdue_count = overdue.count()
    return {
        "year": year,
        "coverage": metrics.coverage(units, year),
        "red_units": red[:LISTED],
        "red_count": len(red),
        "overdue": list(overdue[:LISTED]) if overdue_count else [],
        "overdue_count": overdue_count,
        "coming": list(coming[:LISTED]),
        "coming_days": COMING_DAYS,
        "charts": [trend],
        "chart_options": charts.chart_options([trend]),
        "today": today,
    }


def leadership_section(request: HttpRequest) -> str:
    """The home page's overview for leadership; "" for everyone else (their home is the to-do list)."""
    user = request.user
    if not getattr(user, "is_authenticated", False) or not policy.roles(user) & LEADERSHIP_ROLES:
        return ""
    context = leadership_overview(user, clock.today())
    return render_to_string("reports/_home_leadership.html", context, request=request)
