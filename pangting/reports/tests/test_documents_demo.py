"""The demo's bulletins and summary, drafted and issued through the services (R-O15)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from pangting.core.demo import DemoDates
from pangting.reports.demo import extend_demo
from pangting.reports.models import ReportDocument

pytestmark = pytest.mark.django_db


def test_it_issues_the_2025_bulletin_and_drafts_the_2026_documents(world):
    context = {"root": world.root, "units": [world.unit_a, world.unit_b], "users": {"xuanchuan": world.supervisor}}
    with time_machine.travel("2026-12-04 10:00 +0800", tick=False):
        extend_demo({**context, "dates": DemoDates(dt.date(2026, 12, 4))})
    documents = {(d.kind, d.year): d for d in ReportDocument.objects.all()}
    assert set(documents) == {("bulletin", 2025), ("bulletin", 2026), ("summary", 2026)}
    issued = documents[("bulletin", 2025)]
    assert (issued.status, issued.number) == ("issued", "示大宣通〔2025〕1号")
    assert documents[("summary", 2026)].status == "draft" and documents[("bulletin", 2026)].number == ""
