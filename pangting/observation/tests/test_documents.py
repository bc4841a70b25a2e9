"""The letter, record and feedback as Word files (R-O4, R-O8, R-O9; GB/T 9704 letter layout)."""

from __future__ import annotations

import io

import docx
import pytest
from django.urls import reverse
from docx.oxml.ns import qn

from pangting.lib.gbt9704 import convert_to_pdf
from pangting.observation import documents
from pangting.observation.models import Feedback, ObservationRecord, State

from .scenes import walk

pytestmark = pytest.mark.django_db

MARGINS_MM = {
    "page_width": 210,
    "page_height": 297,
    "top_margin": 37,
    "bottom_margin": 35,
    "left_margin": 28,
    "right_margin": 26,
}


@pytest.fixture
def closed(world):
    return walk(world, State.CLOSED)


def files(visit):
    return {
        "letter": documents.notice_letter(visit),
        "record": documents.record_form(ObservationRecord.objects.get(visit=visit)),
        "feedback": documents.feedback_letter(Feedback.objects.get(visit=visit)),
    }


def east_asian_fonts(document) -> set[str]:
    return {
        fonts.get(qn("w:eastAsia"))
        for fonts in document.element.body.iter(qn("w:rFonts"))
        if fonts.get(qn("w:eastAsia"))
    }


@pytest.mark.parametrize("kind", ["letter", "feedback"])
def test_it_writes_letters_on_a4_with_the_gbt9704_margins_and_east_asian_fonts(closed, kind):
    document = docx.Document(io.BytesIO(files(closed)[kind]))
    section = document.sections[0]
    for name, millimetres in MARGINS_MM.items():
        assert getattr(section, name).mm == pytest.approx(millimetres, abs=0.1), name
    fonts = east_asian_fonts(document)
    assert "仿宋_GB2312" in fonts and any("小标宋" in f for f in fonts), fonts
    text = "\n".join(p.text for p in document.paragraphs)
    assert "示大宣函〔2026〕" in text
    assert "甲学院党委：" in text  # addressee flush left with a full-width colon


def test_it_fills_the_letter_with_the_team_and_the_reply_deadline(closed):
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(files(closed)["letter"])).paragraphs)
    assert "王校领导" in text and "李联络" in text
    assert "7个工作日" in text and "2026年10月13日" in text  # R-O4


def test_it_lists_the_problems_and_the_checklist_in_the_feedback(closed):
    document = docx.Document(io.BytesIO(files(closed)["feedback"]))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "学习成果未形成转化清单" in text
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "成果转化是否明显" in cells and "存在问题" in cells  # R-O9: the 11-point checklist


def test_it_writes_the_record_form_with_the_four_focus_areas_and_the_score(closed):
    document = docx.Document(io.BytesIO(files(closed)["record"]))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert {"1.组织领导", "2.学习内容", "3.学习方式", "4.学习效果"} <= set(cells)
    assert "82.5分" in cells  # R-O18


def test_it_offers_the_documents_only_within_scope(world, closed, client_for):
    url = reverse("observation:document", args=[closed.pk, "letter"])
    assert client_for(world.secretary_a).get(url).status_code == 200
    assert client_for(world.secretary_b).get(url).status_code == 404
    assert client_for(world.outsider).get(url).status_code == 404


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["letter", "feedback"])
def test_it_converts_letters_to_pdf_with_libreoffice(closed, kind):
    pdf = convert_to_pdf(files(closed)[kind])
    assert pdf.startswith(b"%PDF")
    assert b"/MediaBox [0 0 595" in pdf or b"/MediaBox[0 0 595" in pdf  # A4 width in points
