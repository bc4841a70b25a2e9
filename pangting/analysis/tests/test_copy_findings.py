"""Confirmed copies are kept as findings by the checks that own the text (R-O8 records, R-O10 reports)."""

from __future__ import annotations

import datetime as dt

import pytest

from pangting.analysis import duplicates
from pangting.analysis.models import TextPair
from pangting.compliance.tests.builders import findings
from pangting.observation import services as observation
from pangting.observation.models import Rectification, State
from pangting.observation.tests.scenes import FINDINGS, SCORES, at, travel, walk
from pangting.study.tests.builders import make_session

from .texts import NEAR_COPY, ORIGINAL

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


def other_units_text(world):
    """Unit B's speech, handed in before unit A's texts (which copy it)."""
    speakers = [{"speaker_name": "孙发言", "written_text": ORIGINAL}]
    with travel("2026-09-10"):
        make_session(world.unit_b, starts_at=at("2026-09-10", "14:30"), speakers=speakers)


def test_r_o8_keeps_a_finding_for_a_record_confirmed_as_a_copy(world):
    other_units_text(world)
    visit = walk(world, State.RECORDED)
    with travel("2026-10-02", "10:00"):
        observation.save_record(
            visit, actor=world.liaison, data={**FINDINGS, "content_findings": NEAR_COPY}, scores=SCORES, submit=True
        )
    assert findings("R-O8", today=TODAY, unit=world.unit_a) == []  # flagged, not yet confirmed: no finding
    pair = TextPair.objects.get()
    duplicates.decide_pair(pair, "confirm", actor=world.supervisor)
    [finding] = findings("R-O8", today=TODAY, unit=world.unit_a)
    assert finding.key == f"copy:{visit.record.pk}" and finding.severity == "red"
    assert "列席旁听记录经认定与乙学院党委的文本雷同" in finding.message
    duplicates.decide_pair(pair, "dismiss", actor=world.supervisor, reason="误报")
    assert findings("R-O8", today=TODAY, unit=world.unit_a) == []


def test_r_o10_keeps_a_finding_for_a_rectification_report_confirmed_as_a_copy(world):
    other_units_text(world)
    visit = walk(world, State.RECTIFYING)
    item = Rectification.objects.filter(visit=visit).first()
    with travel("2026-10-20"):
        observation.plan_rectification(
            item, actor=world.secretary_a, measure="制定清单", owner=world.member_person, deadline=dt.date(2026, 11, 30)
        )
        observation.report_rectification(item, actor=world.secretary_a, report=NEAR_COPY)
    with travel("2026-10-22"):
        observation.verify_rectification(item, actor=world.supervisor, accept=True)
    assert findings("R-O10", today=TODAY, unit=world.unit_a) == []
    duplicates.decide_pair(TextPair.objects.get(), "confirm", actor=world.supervisor)
    [finding] = findings("R-O10", today=TODAY, unit=world.unit_a)
    assert finding.key == f"copy:{item.pk}" and finding.severity == "red"
    assert finding.evidence[-1].model == "analysis.textpair"
