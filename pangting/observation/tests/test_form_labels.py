"""The letter, feedback and record forms carry the seeds' own labels (issue: documents as the seeds
have them; R-O4, R-O8, R-O9). The seeds' wording is kept as test data beside this file."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest
import time_machine

from pangting.observation import documents, services
from pangting.observation.models import CHECKLIST_POINTS, Feedback, ObservationRecord, State

from .scenes import walk

pytestmark = pytest.mark.django_db

SEED = json.loads((Path(__file__).parent / "data" / "seed_form_labels.json").read_text(encoding="utf-8"))


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def table_rows(data: bytes) -> list[list[str]]:
    rows = []
    for table in docx.Document(io.BytesIO(data)).tables:
        for row in table.rows:
            cells: list[str] = []
            for cell in row.cells:  # a merged cell repeats: keep it once
                if not cells or cell.text != cells[-1]:
                    cells.append(cell.text)
            rows.append(cells)
    return rows


def in_order(needles: list[str], haystack: list[str]) -> bool:
    """Each needle starts a line of the haystack, in the given order."""
    position = 0
    for needle in needles:
        while position < len(haystack) and not haystack[position].startswith(needle):
            position += 1
        if position == len(haystack):
            return False
        position += 1
    return True


@pytest.fixture
def closed(world):
    return walk(world, State.CLOSED)


def test_the_checklist_is_the_eleven_points_of_seed_000_in_its_order_r_o9():
    assert [label for _key, label in CHECKLIST_POINTS] == SEED["feedback"]["checklist"]


def test_the_notice_letter_attaches_the_blank_session_plan_of_seed_000_r_o4(closed):
    letter = SEED["letter"]
    data = documents.notice_letter(closed)
    text = paragraphs(data)
    assert letter["attachment_note"] in text
    # The attachment follows the letter on its own page: 附件, its title, then the form.
    start = text.index("附件")
    assert text[start + 2] == letter["attachment_title"]
    assert in_order(letter["attachment_lines"] + letter["attachment_footer"][:1], text[start:])
    assert any(all(label in line for label in letter["attachment_footer"]) for line in text[start:])
    rows = table_rows(data)
    assert [row[0] for row in rows] == letter["attachment_rows"]
    assert all(row[1:] in ([""], []) for row in rows), "the form is blank: the unit fills it in"


def test_the_feedback_prints_each_point_in_the_seeds_words_without_running_into_its_evidence_r_o9(closed):
    feedback = Feedback.objects.get(visit=closed)
    feedback.checklist = {
        key: {"problem": True, "evidence": "研讨发言停留在表态层面"} for key, _label in CHECKLIST_POINTS
    }
    feedback.save()
    data = documents.feedback_letter(feedback)
    text = paragraphs(data)
    for number, label in enumerate(SEED["feedback"]["checklist"]):
        heading = f"（{'一二三四五六七八九十'[number] if number < 10 else '十一'}）{label}。研讨发言停留在表态层面"
        assert heading in text, heading
    assert not any(re.search(r"(深刻|深入)研讨", line) for line in text), "a point runs into its evidence"
    rows = table_rows(data)
    assert [row[1] for row in rows[1:]] == SEED["feedback"]["checklist"]


def test_the_feedback_without_problems_names_all_eleven_points_r_o9(closed):
    feedback = Feedback.objects.get(visit=closed)
    feedback.checklist = {key: {"problem": False, "evidence": ""} for key, _label in CHECKLIST_POINTS}
    feedback.save()
    text = "\n".join(paragraphs(documents.feedback_letter(feedback)))
    assert "、".join(SEED["feedback"]["checklist"]) in text


def test_the_record_form_has_the_labels_of_seed_001_and_the_leaders_sign_off_r_o8(closed, world):
    seed = SEED["record"]
    record = ObservationRecord.objects.get(visit=closed)
    data = documents.record_form(record)
    text = paragraphs(data)
    assert seed["title"] in text and closed.unit.name not in seed["title"]
    assert in_order([seed["head"][0]], text)
    head = next(line for line in text if line.startswith(seed["head"][0]))
    assert closed.unit.name in head and seed["head"][1] in head
    rows = table_rows(data)
    assert rows[0] == seed["columns"]
    assert [row[:2] for row in rows[1:5]] == seed["areas"]
    assert rows[5][0] == seed["closing_row"]
    signatures = next(line for line in text if line.startswith(seed["signatures"][0]))
    assert all(label in signatures for label in seed["signatures"])


def test_the_record_form_prints_the_day_the_leader_signed_it_off_r_o8(closed, world):
    record = ObservationRecord.objects.get(visit=closed)
    record.signed_off_at = None
    record.save()
    waiting = next(line for line in paragraphs(documents.record_form(record)) if line.startswith("列席旁听组组长"))
    assert "（待确认）" in waiting
    with time_machine.travel(dt.datetime(2026, 10, 9, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        services.sign_off_record(record, actor=world.leader)
    record.refresh_from_db()
    signed = next(line for line in paragraphs(documents.record_form(record)) if line.startswith("列席旁听组组长"))
    assert "（2026年10月9日确认）" in signed and "待确认" not in signed
