"""Demo data for the reports app (called by `seed_demo` through its registered demo hook).

Through the services, as the supervisor: the previous year's bulletin issued at the end of that
year, and the main year's bulletin and annual summary drafted from its records (R-O15). Years
from `core.demo.DemoDates`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from . import services
from .models import DocumentKind


def extend_demo(context: dict[str, Any]) -> None:
    """Issue the previous year's bulletin; draft the main year's bulletin and annual summary."""
    root = context["root"]
    supervisor = context["users"]["xuanchuan"]
    dates = context["dates"]
    issued_at = dt.datetime(dates.previous, 12, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(issued_at, tick=False):
        bulletin = services.create_document(
            actor=supervisor, organization=root, kind=DocumentKind.BULLETIN, year=dates.previous
        )
        services.issue_document(bulletin, actor=supervisor)
    services.create_document(actor=supervisor, organization=root, kind=DocumentKind.BULLETIN, year=dates.year)
    services.create_document(actor=supervisor, organization=root, kind=DocumentKind.SUMMARY, year=dates.year)
    plant_late_documents(context)


def plant_late_documents(context: dict[str, Any]) -> None:
    """R-O15: each year past its due day whose bulletin or summary was not issued by then (the
    previous year's summary was never issued; the main year's documents are drafts)."""
    from django.utils import timezone

    from pangting.core import parameters

    from .models import ReportDocument
    from .yearend import due_day

    dates = context["dates"]
    # Each supervising level's own duty (R-O23): the university's, and the city's above it.
    offices = [office for office in (context["root"], context.get("city")) if office is not None]
    for year in dates.years:
        due = due_day(year, parameters.values("R-O15"))
        if dates.today <= due:
            continue
        for office in offices:
            for kind in (DocumentKind.BULLETIN, DocumentKind.SUMMARY):
                issued = ReportDocument.objects.filter(
                    organization=office, year=year, kind=kind, issued_at__isnull=False
                )
                if not any(timezone.localdate(d.issued_at) <= due for d in issued):
                    context.setdefault("planted", []).append(("R-O15", office.code, str(year), f"{kind}:{year}"))
