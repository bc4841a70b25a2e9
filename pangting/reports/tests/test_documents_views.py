"""The bulletin and summary pages: list, draft, edit, issue, history with differences, download (R-O15)."""

from __future__ import annotations

import io

import docx
import pytest
import time_machine
from django.urls import reverse

from pangting.reports import services
from pangting.reports.models import ReportDocument

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def draft(w, year=2026, kind="bulletin"):
    return services.create_document(actor=w.supervisor, organization=w.root, kind=kind, year=year)


def test_it_shows_an_empty_state_for_a_year_without_documents(world, client_for):
    response = client_for(world.viewer).get(reverse("reports:document_list"), {"year": "2031"})
    assert response.status_code == 200
    assert "2031年尚未起草通报或年度总结" in response.content.decode()
    assert "起草文稿" not in response.content.decode()  # the viewer reads only


def test_it_ignores_a_malformed_year(world, client_for):
    response = client_for(world.supervisor).get(reverse("reports:document_list"), {"year": "20x6"})
    assert response.status_code == 200


def test_it_lists_documents_with_a_fixed_number_of_queries(world, client_for, django_assert_num_queries):
    client = client_for(world.supervisor)
    url = reverse("reports:document_list")
    draft(world)
    client.get(url, {"year": "2026"})  # warm the session
    with django_assert_num_queries(5) as small:
        assert client.get(url, {"year": "2026"}).status_code == 200
    for _ in range(3):
        services.issue_document(draft(world), actor=world.supervisor)
    draft(world, kind="summary")
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url, {"year": "2026"})
    assert response.content.decode().count("示大宣通〔") == 3


def test_it_drafts_a_document_from_the_form(world, client_for):
    client = client_for(world.supervisor)
    data = {"organization": world.root.pk, "kind": "summary", "year": "2026", "semester": ""}
    response = client.post(reverse("reports:document_create"), data)
    document = ReportDocument.objects.get()
    assert response.status_code == 302 and response.url == reverse("reports:document_detail", args=[document.pk])
    assert document.title == "关于2026年度理论学习中心组学习巡听旁听工作情况的报告"


def test_it_answers_a_summary_by_semester_with_a_message(world, client_for):
    data = {"organization": world.root.pk, "kind": "summary", "year": "2026", "semester": "1"}
    response = client_for(world.supervisor).post(reverse("reports:document_create"), data)
    assert response.status_code == 200 and "年度总结按全年统计" in response.content.decode()
    response = client_for(world.supervisor).post(reverse("reports:document_create"), {**data, "year": "abc"})
    assert response.status_code == 200 and not ReportDocument.objects.exists()


def test_it_shows_the_figures_and_sections_of_an_empty_year(world, client_for):
    document = draft(world, year=2031)
    page = client_for(world.viewer).get(reverse("reports:document_detail", args=[document.pk])).content.decode()
    assert "本期尚未开展巡听旁听" in page and "2031年尚未开展巡听旁听" in page
    assert "印发" in page and "issue-document" not in page  # no buttons for the viewer


def test_it_turns_an_edit_of_an_issued_bulletin_into_version_two_with_a_difference(world, client_for):
    document = draft(world)
    services.issue_document(document, actor=world.supervisor)
    client = client_for(world.supervisor)
    edit = reverse("reports:document_edit", args=[document.pk])
    assert "保存后形成新版本" in client.get(edit).content.decode()
    sections = dict(services.latest_version(document).sections)
    sections["requirements"] = "各单位要在12月底前完成整改。"
    response = client.post(edit, {"title": "被忽略的标题", **sections}, follow=True)
    assert "修改已保存为第2版" in response.content.decode()
    document.refresh_from_db()
    assert document.versions.count() == 2 and document.title == "关于2026年理论学习中心组学习情况的通报"
    history = client.get(reverse("reports:document_versions", args=[document.pk])).content.decode()
    assert "第1版与第2版比较" in history
    assert 'class="report-diff-added">+ 各单位要在12月底前完成整改。' in history
    assert 'class="report-diff-removed">' in history


def test_it_falls_back_to_the_latest_versions_for_an_unknown_comparison(world, client_for):
    document = draft(world)
    url = reverse("reports:document_versions", args=[document.pk])
    response = client_for(world.supervisor).get(url, {"a": "7", "b": "x"}, follow=True)
    assert response.status_code == 200 and "所选版本不存在" in response.content.decode()


@time_machine.travel("2026-12-04 10:00 +0800", tick=False)  # the number carries the year of issue
def test_it_issues_from_the_page_and_downloads_each_version(world, client_for):
    document = draft(world)
    client = client_for(world.supervisor)
    response = client.post(reverse("reports:document_issue", args=[document.pk]), follow=True)
    assert "文号示大宣通〔2026〕1号" in response.content.decode()
    response = client.post(reverse("reports:document_issue", args=[document.pk]), follow=True)
    assert "当前版本已经印发" in response.content.decode()  # a second issue is refused in words
    download = client_for(world.viewer).get(reverse("reports:document_docx", args=[document.pk, 1]))
    assert download.status_code == 200 and download["Content-Type"] == DOCX
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(download.content)).paragraphs)
    assert "示大宣通〔2026〕1号" in text
    assert client.get(reverse("reports:document_docx", args=[document.pk, 2])).status_code == 404


def test_it_recomputes_and_redrafts_from_the_page(world, client_for):
    document = draft(world)
    client = client_for(world.supervisor)
    response = client.post(reverse("reports:document_recompute", args=[document.pk]), {"redraft": "1"}, follow=True)
    assert "数据已重新计算（第1版）" in response.content.decode()
    assert client.get(reverse("reports:document_recompute", args=[document.pk])).status_code == 405
