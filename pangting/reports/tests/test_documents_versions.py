"""Drafting, editing, recomputing and issuing bulletins and summaries: the versioning rules (R-O15)."""

from __future__ import annotations

import io

import docx
import pytest
from django.core.exceptions import ValidationError

from pangting.observation.models import State
from pangting.observation.tests.scenes import travel, walk
from pangting.reports import documents, services
from pangting.reports.models import DocumentKind, ReportDocument, ReportVersion

pytestmark = pytest.mark.django_db


def draft(w, kind=DocumentKind.BULLETIN, year=2026, semester=None):
    return services.create_document(actor=w.supervisor, organization=w.root, kind=kind, year=year, semester=semester)


def text_of(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_it_drafts_version_one_with_figures_and_every_section(world):
    document = draft(world)
    version = document.versions.get()
    assert (document.status, document.number, version.number) == ("draft", "", 1)
    assert document.title == "关于2026年理论学习中心组学习情况的通报"
    assert set(version.sections) == {"overview", "practices", "problems", "requirements"}
    assert all(text.strip() for text in version.sections.values())
    assert version.figures["units_total"] == 2


def test_it_edits_a_draft_in_place(world):
    document = draft(world)
    sections = {**document.versions.get().sections, "overview": "改写后的基本情况。"}
    version = services.save_sections(document, actor=world.supervisor, sections=sections, title="关于学习情况的通报")
    assert version.number == 1 and document.versions.count() == 1
    document.refresh_from_db()
    assert document.title == "关于学习情况的通报"
    assert document.versions.get().sections["overview"] == "改写后的基本情况。"


def test_it_numbers_issued_bulletins_without_gaps_and_keeps_the_number_on_revision(world):
    with travel("2026-12-20"):
        first, second, summary = draft(world), draft(world, semester=2), draft(world, DocumentKind.SUMMARY)
        services.issue_document(second, actor=world.supervisor)
        services.issue_document(first, actor=world.supervisor)
        services.issue_document(summary, actor=world.supervisor)
    numbers = {d.pk: d.number for d in ReportDocument.objects.all()}
    assert numbers[second.pk] == "示大宣通〔2026〕1号" and numbers[first.pk] == "示大宣通〔2026〕2号"
    assert numbers[summary.pk] == "示大宣报〔2026〕1号"  # a series of its own
    with travel("2026-12-22"):
        services.save_sections(first, actor=world.supervisor, sections=first.versions.get().sections)
        services.issue_document(first, actor=world.supervisor)
    first.refresh_from_db()
    assert first.number == "示大宣通〔2026〕2号" and first.versions.count() == 2  # re-issue keeps the number


def test_it_keeps_an_issued_version_and_starts_a_new_one_on_edit(world):
    document = draft(world)
    issued = services.issue_document(document, actor=world.supervisor)
    original = dict(issued.sections)
    revised = services.save_sections(
        document, actor=world.supervisor, sections={**original, "requirements": "新的工作要求。"}
    )
    assert revised.number == 2 and not revised.is_issued
    issued.refresh_from_db()
    assert issued.sections == original and issued.is_issued  # the issued text is intact
    again = services.save_sections(document, actor=world.supervisor, sections={**original, "requirements": "再改。"})
    assert again.pk == revised.pk  # the revision is a draft: edited in place
    document.refresh_from_db()
    assert document.status == "issued"


def test_it_recomputes_figures_into_the_draft_and_after_an_issue_into_a_new_version(world):
    document = draft(world)
    assert document.versions.get().figures["visits_total"] == 0
    walk(world, State.RECORDED)
    version = services.recompute_figures(document, actor=world.supervisor)
    assert version.number == 1 and version.figures["visits_total"] == 1
    assert "尚未开展巡听旁听" in version.sections["overview"]  # the text is the supervisor's until redrafted
    version = services.recompute_figures(document, actor=world.supervisor, redraft=True)
    assert "共安排巡听旁听1次" in version.sections["overview"]
    services.issue_document(document, actor=world.supervisor)
    assert services.recompute_figures(document, actor=world.supervisor).number == 2


def test_it_refuses_to_issue_twice_or_with_an_empty_section(world):
    document = draft(world)
    services.save_sections(
        document, actor=world.supervisor, sections={**document.versions.get().sections, "problems": " "}
    )
    with pytest.raises(ValidationError, match="存在的问题"):
        services.issue_document(document, actor=world.supervisor)
    assert ReportDocument.objects.get(pk=document.pk).number == ""
    services.save_sections(
        document, actor=world.supervisor, sections={**document.versions.get().sections, "problems": "问题。"}
    )
    services.issue_document(document, actor=world.supervisor)
    with pytest.raises(ValidationError, match="已经印发"):
        services.issue_document(document, actor=world.supervisor)


def test_it_refuses_bad_input_in_chinese(world):
    with pytest.raises(ValidationError, match="年度总结按全年统计"):
        draft(world, DocumentKind.SUMMARY, semester=1)
    with pytest.raises(ValidationError, match="年度应在"):
        draft(world, year=1999)
    with pytest.raises(ValidationError, match="无权"):
        services.create_document(actor=world.viewer, organization=world.root, kind="bulletin", year=2026)
    document = draft(world)
    with pytest.raises(ValidationError, match="未知的正文部分"):
        services.save_sections(document, actor=world.supervisor, sections={"plans": "x"})
    assert ReportVersion.objects.count() == 1


def test_it_regenerates_a_version_identically_in_text(world):
    document = draft(world)
    version = document.versions.get()
    assert text_of(documents.render_version(document, version)) == text_of(documents.render_version(document, version))
