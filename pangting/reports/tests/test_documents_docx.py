"""The bulletin and the annual summary as GB/T 9704 Word files, with every figure filled (R-O15)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from pangting.lib.gbt9704 import convert_to_pdf
from pangting.observation.tests.scenes import travel
from pangting.reports import documents, services
from pangting.reports.models import DocumentKind

from .test_documents_figures import year_of_study
from .test_documents_versions import text_of

pytestmark = pytest.mark.django_db

FIGURES_IN_WORDS = [
    "已旁听单位", "2个", "1个",  # units observed of how many (R-O11)
    "固定式", "随机式", "应邀式",  # visits by mode (R-O2)
    "列席旁听记录", "按时填报",  # records (R-O8)
    "82.5分",  # average, highest, lowest composite score (R-O18)
    "理论学习成果转化清单", "借鉴推广",  # practices found and replicated (R-O16)
    "书记领学占比", "50.0%", "75.0%",  # secretary-led share (R-S12), participation (R-S3)
    "成果转化是否明显", "学习主题是否鲜明",  # problems by checklist point (R-O9)
    "整改事项", "已验收", "逾期未完成",  # rectification (R-O10)
    "甲学院党委", "乙学院党委", "未旁听", "已旁听1次",  # the per-unit table
]  # fmt: skip


@pytest.fixture
def issued(world):
    year_of_study(world)
    with travel("2026-12-20"):
        bulletin = services.create_document(actor=world.supervisor, organization=world.root, kind="bulletin", year=2026)
        summary = services.create_document(
            actor=world.supervisor, organization=world.root, kind=DocumentKind.SUMMARY, year=2026
        )
        for document in (bulletin, summary):
            services.issue_document(document, actor=world.supervisor)
            document.refresh_from_db()
    return {"bulletin": bulletin, "summary": summary}


def docx_of(document) -> bytes:
    return documents.render_version(document, services.latest_version(document))


@pytest.mark.parametrize("kind", ["bulletin", "summary"])
def test_it_fills_every_figure_into_the_document(issued, kind):
    text = text_of(docx_of(issued[kind]))
    missing = [word for word in FIGURES_IN_WORDS if word not in text]
    assert not missing, missing
    assert "None" not in text


def test_it_writes_the_bulletin_with_its_number_title_and_sections(issued):
    text = text_of(docx_of(issued["bulletin"]))
    assert "示大宣通〔2026〕1号" in text and "关于2026年理论学习中心组学习情况的通报" in text
    for heading in ("一、基本情况", "二、主要做法和成效", "三、存在的问题", "四、下一步工作要求"):
        assert heading in text
    assert "各二级党组织：" in text and "中共示范大学委员会宣传部" in text and "2026年12月20日" in text
    assert "共安排巡听旁听2次（固定式1次、随机式1次、应邀式0次）" in text


def test_it_writes_the_summary_as_a_report_to_the_party_committee(issued):
    text = text_of(docx_of(issued["summary"]))
    assert "示大宣报〔2026〕1号" in text and "中共示范大学委员会：" in text
    for heading in ("一、基本情况", "二、主要做法", "三、存在问题", "四、下一步打算"):
        assert heading in text
    assert "特此报告。" in text and "优先安排对尚未旁听的1个单位开展巡听旁听" in text


def test_it_says_in_words_that_an_empty_year_has_no_observation(world):
    document = services.create_document(actor=world.supervisor, organization=world.root, kind="summary", year=2031)
    text = text_of(docx_of(document))
    assert "2031年尚未开展巡听旁听" in text and "暂无综合评分" in text and "尚未收集典型经验做法" in text
    assert "暂无评分" in text and "暂无考勤" in text and "None" not in text


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["bulletin", "summary"])
def test_it_converts_to_pdf_with_libreoffice(issued, kind, tmp_path):
    pdf = convert_to_pdf(docx_of(issued[kind]))
    assert pdf.startswith(b"%PDF")
    assert b"/MediaBox [0 0 595" in pdf or b"/MediaBox[0 0 595" in pdf  # A4
    if shutil.which("pdftotext"):
        path = tmp_path / "document.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
        assert "82.5" in text and "50.0%" in text
