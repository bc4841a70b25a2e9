"""The two seed forms as Word files: every field of the seeds, East-Asian fonts set, PDF by LibreOffice."""

from __future__ import annotations

import io
import shutil
import subprocess

import docx
import pytest
import time_machine
from docx.oxml.ns import qn

from pangting.study import documents, services
from pangting.study.models import AgendaItem
from pangting.study.tests.builders import at, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(world):
    with time_machine.travel(at(2026, 11, 20, 10), tick=False):
        s = make_session(
            world.unit_a,
            starts_at=at(2026, 11, 25),
            title="深入学习贯彻党的二十届四中全会精神",
            content="学习全会公报和《建议》",
            host=world.member_person,
            host_post="副院长",
            participants_note="中心组全体成员，各支部书记列席",
            contact_name="张秘书",
            contact_phone="13800000003",
            agenda=[
                {"kind": AgendaItem.Kind.FIRST_ITEM, "title": "学习总书记最新重要讲话", "presenter": "吴书记"},
                {"kind": AgendaItem.Kind.DISCUSSION, "title": "交流研讨"},
            ],
            speakers=[{"person": world.member_person, "outline": "结合分管工作谈落实举措"}],
        )
        services.send_arrangement(s, actor=world.secretary_a)
        services.forward_arrangement(s, actor=world.liaison)
    return s


def _text(data: bytes) -> tuple[str, docx.Document]:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts), document


def _east_asian_fonts(document: docx.Document) -> set[str]:
    fonts = set()
    for element in document.element.body.iter(qn("w:rFonts")):
        if element.get(qn("w:eastAsia")):
            fonts.add(element.get(qn("w:eastAsia")))
    return fonts


def test_it_writes_the_session_plan_with_every_field_of_the_seed_000_form(session):
    text, document = _text(documents.session_plan_docx(session))
    labels = ["报送单位（盖章）", "中心组名称", "学习会时间", "学习会地点", "学习主题内容", "主持人", "参加人员"]
    for label in [*labels, "议程安排", "联系人", "联系电话"]:
        assert label in text, label
    for value in ("甲学院党委", "甲学院党委理论学习中心组", "2026年11月25日 14:30—16:30", "行政楼301会议室",
                  "深入学习贯彻党的二十届四中全会精神", "陈成员（副院长）", "各支部书记列席",
                  "1.第一议题：学习总书记最新重要讲话（吴书记）", "13800000003"):  # fmt: skip
        assert value in text, value
    assert "仿宋_GB2312" in _east_asian_fonts(document)


def test_it_writes_the_arrangement_form_with_every_field_of_the_seed_001_form(session):
    text, document = _text(documents.arrangement_form_docx(session))
    labels = ["附件1", "学习安排表", "（2026年第1次）", "党组织名称（盖章）", "填报时间：2026年11月20日", "时间及地点"]
    for label in [*labels, "人　　数", "主持人及", "学习内容", "交流研讨人员、职务及发言提纲", "联系人及", "一式两份"]:
        assert label in text, label
    assert "陈成员（副院长）：结合分管工作谈落实举措" in text
    assert "1人" in text
    assert "会后2天内报党委宣传部" in text
    assert _east_asian_fonts(document) >= {"仿宋_GB2312"}
    # the speakers' label spans its rows (merged cell), as in the seed form
    assert len(document.tables) == 1


@pytest.mark.libreoffice
def test_it_converts_both_forms_to_pdf_with_libreoffice(session, tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    from pangting.lib.gbt9704 import convert_to_pdf

    for name, data in (
        ("plan", documents.session_plan_docx(session)),
        ("form", documents.arrangement_form_docx(session)),
    ):
        pdf = convert_to_pdf(data)
        assert pdf.startswith(b"%PDF")
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(pdf)
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
            assert "中心组" in text
