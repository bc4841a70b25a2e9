"""Demo data for the reports app (called by `seed_demo` through its registered demo hook).

Through the services, as the supervisor: the 2025 bulletin issued at the end of that year,
and the 2026 bulletin and annual summary drafted from this year's records (R-O15).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from . import services
from .models import DocumentKind

ISSUED_2025_AT = dt.datetime(2025, 12, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def extend_demo(context: dict[str, Any]) -> None:
    """Issue the 2025 bulletin; draft the 2026 bulletin and the 2026 annual summary."""
    root = context["root"]
    supervisor = context["users"]["xuanchuan"]
    with time_machine.travel(ISSUED_2025_AT, tick=False):
        bulletin_2025 = services.create_document(
            actor=supervisor, organization=root, kind=DocumentKind.BULLETIN, year=2025
        )
        services.issue_document(bulletin_2025, actor=supervisor)
    services.create_document(actor=supervisor, organization=root, kind=DocumentKind.BULLETIN, year=2026)
    services.create_document(actor=supervisor, organization=root, kind=DocumentKind.SUMMARY, year=2026)
