"""R-O15: the year's bulletin and summary are issued by the end of December (configurable)."""

from __future__ import annotations

import datetime as dt

import pytest

from pangting.compliance.tests.builders import findings
from pangting.observation.models import State
from pangting.observation.tests.scenes import travel, walk
from pangting.reports import services
from pangting.reports.models import DocumentKind

pytestmark = pytest.mark.django_db


def _issue(world, kind: str, day: str) -> None:
    with travel(day):
        document = services.create_document(actor=world.supervisor, organization=world.root, kind=kind, year=2026)
        services.issue_document(document, actor=world.supervisor)


def test_it_finds_nothing_when_both_are_issued_by_the_end_of_december(world):
    walk(world, State.CLOSED)
    _issue(world, DocumentKind.BULLETIN, "2026-12-20")
    _issue(world, DocumentKind.SUMMARY, "2026-12-28")
    assert findings("R-O15", today=dt.date(2027, 1, 5)) == []


def test_it_finds_a_summary_not_issued_and_a_bulletin_issued_late(world):
    walk(world, State.CLOSED)
    assert findings("R-O15", today=dt.date(2026, 12, 31)) == []  # not due yet
    _issue(world, DocumentKind.BULLETIN, "2027-01-04")
    found = {f.key: f.severity for f in findings("R-O15", today=dt.date(2027, 1, 5))}
    assert found == {"bulletin:2026": "amber", "summary:2026": "red"}
