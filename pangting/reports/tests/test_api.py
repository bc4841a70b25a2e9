"""Reports API: documents scoped by reports.view, the `issue` step through the service (R-O15), figures."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from pangting.observation.models import State
from pangting.observation.tests.scenes import travel, walk
from pangting.reports import services
from pangting.reports.models import DocumentKind, ReportDocument

pytestmark = pytest.mark.django_db

BASE = "/api/v1/reports"
READERS = ("supervisor", "viewer")
OTHERS = ("leader", "liaison", "secretary_a", "secretary_b", "member", "sysadmin", "outsider")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def draft(w, kind=DocumentKind.BULLETIN, year=2026, semester=None) -> ReportDocument:
    return services.create_document(actor=w.supervisor, organization=w.root, kind=kind, year=year, semester=semester)


def test_it_lists_documents_to_reports_viewers_only_and_filters_by_year_and_kind(world):
    with travel("2026-12-01"):
        bulletin, summary, older = draft(world), draft(world, DocumentKind.SUMMARY), draft(world, year=2025)
    for persona in READERS:
        client = api(getattr(world, persona))
        assert ids(client.get(f"{BASE}/documents/")) == {bulletin.pk, summary.pk, older.pk}, persona
        assert ids(client.get(f"{BASE}/documents/", {"year": 2026})) == {bulletin.pk, summary.pk}, persona
        assert ids(client.get(f"{BASE}/documents/", {"year": 2026, "kind": "summary"})) == {summary.pk}, persona
    for persona in OTHERS:
        client = api(getattr(world, persona))
        assert ids(client.get(f"{BASE}/documents/")) == set(), persona
        assert client.get(f"{BASE}/documents/{bulletin.pk}/").status_code == 404, persona


def test_it_shows_a_document_with_versions_status_version_steps_and_log(world):
    with travel("2026-12-01"):
        document = draft(world)
    data = api(world.supervisor).get(f"{BASE}/documents/{document.pk}/").json()
    assert (data["status"], data["number"], data["kind"], data["year"]) == ("draft", "", "bulletin", 2026)
    assert data["available_steps"] == ["issue"]
    assert [v["number"] for v in data["versions"]] == [1]
    assert set(data["versions"][0]["sections"]) == {"overview", "practices", "problems", "requirements"}
    assert data["versions"][0]["figures"]["units_total"] == 2
    assert data["transitions"] == [] and isinstance(data["version"], int)
    # The leadership viewer reads it but may not issue (R-O15: reports.manage).
    assert api(world.viewer).get(f"{BASE}/documents/{document.pk}/").json()["available_steps"] == []


def test_it_issues_through_the_step_with_a_number_and_refuses_a_stale_version(world):
    """R-O15: the first issue numbers the document without gaps; a stale version is refused."""
    with travel("2026-12-01"):
        document = draft(world)
    url = f"{BASE}/documents/{document.pk}/"
    seen = api(world.supervisor).get(url).json()["version"]
    with travel("2026-12-20"):
        issued = api(world.supervisor).post(f"{url}issue/", {"version": seen}, format="json")
        assert issued.status_code == 200, issued.content
        assert issued.json()["status"] == "issued" and issued.json()["number"] == "示大宣通〔2026〕1号"
        assert issued.json()["versions"][0]["is_issued"] is True
        assert [(t["step"], t["from_state"], t["to_state"]) for t in issued.json()["transitions"]] == [
            ("issue", "draft", "issued")
        ]
        again = api(world.supervisor).post(f"{url}issue/", {"version": seen}, format="json")
    assert again.status_code == 409 and "此记录已被他人修改" in str(again.json())
    document.refresh_from_db()
    assert document.number == "示大宣通〔2026〕1号" and document.versions.get().number == 1


def test_it_refuses_an_issued_version_without_a_new_edit(world):
    with travel("2026-12-20"):
        document = draft(world)
        services.issue_document(document, actor=world.supervisor)
        response = api(world.supervisor).post(f"{BASE}/documents/{document.pk}/issue/", {}, format="json")
    assert response.status_code == 400 and "当前版本已经印发" in str(response.json())


def test_it_answers_a_read_only_user_with_404_and_issues_nothing(world):
    with travel("2026-12-01"):
        document = draft(world)
    for persona in ("viewer", "secretary_a", "outsider"):
        with travel("2026-12-20"):
            response = api(getattr(world, persona)).post(f"{BASE}/documents/{document.pk}/issue/", {}, format="json")
        assert response.status_code == 404, persona
        assert "draft" not in response.content.decode() and "草稿" not in response.content.decode(), persona
    document.refresh_from_db()
    assert (document.status, document.number) == ("draft", "")


def test_it_has_no_raw_writes_on_documents(world):
    with travel("2026-12-01"):
        document = draft(world)
    client = api(world.supervisor)
    assert client.patch(f"{BASE}/documents/{document.pk}/", {"status": "issued"}, format="json").status_code == 405
    assert client.delete(f"{BASE}/documents/{document.pk}/").status_code == 405
    assert client.post(f"{BASE}/documents/", {"kind": "bulletin"}, format="json").status_code == 405


def test_it_computes_the_figures_of_a_year_for_a_reachable_organization_only(world):
    with travel("2026-10-30"):
        walk(world, State.RECORDED)
        query = {"organization": world.root.pk, "year": 2026}
        figures = api(world.supervisor).get(f"{BASE}/figures/", query)
        autumn = api(world.viewer).get(f"{BASE}/figures/", {**query, "semester": 2})
        denied = {p: api(getattr(world, p)).get(f"{BASE}/figures/", query).status_code for p in OTHERS}
        bad = api(world.supervisor).get(f"{BASE}/figures/", {"organization": world.root.pk, "year": "x"})
        missing = api(world.supervisor).get(f"{BASE}/figures/", {"organization": 999999, "year": 2026})
    assert figures.status_code == 200, figures.content
    data = figures.json()
    assert (data["year"], data["semester"], data["units_total"], data["visits_total"]) == (2026, None, 2, 1)
    assert data["units_observed"] == 1 and data["records_filed"] == 1
    assert autumn.status_code == 200 and autumn.json()["semester"] == 2
    assert denied == dict.fromkeys(OTHERS, 404)
    assert bad.status_code == 400 and missing.status_code == 404
