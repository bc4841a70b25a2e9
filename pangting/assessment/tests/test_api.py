"""Assessment API, read-only: schemes by reports.view (R-O14), 述学 reports by study.view (R-S13)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from pangting.assessment import services

from .builders import make_report

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assessment"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def scheme(w, year: int = 2026, formula: str = "60 + coalesce(obs_score, 80) / 5"):
    return services.save_scheme(organization=w.root, year=year, formula=formula, actor=w.supervisor)


def test_it_shows_schemes_to_reports_viewers_only_and_filters_by_year(world):
    this_year, last_year = scheme(world), scheme(world, 2025)
    for persona in ("supervisor", "viewer"):
        client = api(getattr(world, persona))
        assert ids(client.get(f"{BASE}/schemes/")) == {this_year.pk, last_year.pk}, persona
        assert ids(client.get(f"{BASE}/schemes/", {"year": 2025})) == {last_year.pk}, persona
    detail = api(world.viewer).get(f"{BASE}/schemes/{this_year.pk}/").json()
    assert detail["formula"] == "60 + coalesce(obs_score, 80) / 5" and detail["status"] == "draft"
    for persona in ("leader", "liaison", "secretary_a", "secretary_b", "member", "sysadmin", "outsider"):
        client = api(getattr(world, persona))
        assert ids(client.get(f"{BASE}/schemes/")) == set(), persona
        assert client.get(f"{BASE}/schemes/{this_year.pk}/").status_code == 404, persona


def test_it_shows_study_reports_to_the_supervisor_all_and_to_a_unit_its_own(world):
    report_a, report_b = make_report(world, "A", with_file=True), make_report(world, "B")
    expected = {
        "supervisor": {report_a.pk, report_b.pk},
        "viewer": {report_a.pk, report_b.pk},
        "secretary_a": {report_a.pk},
        "leader": {report_a.pk},
        "member": {report_a.pk},
        "secretary_b": {report_b.pk},
        "sysadmin": set(),
        "outsider": set(),
    }
    for persona, visible in expected.items():
        assert ids(api(getattr(world, persona)).get(f"{BASE}/study-reports/")) == visible, persona
    assert api(world.secretary_b).get(f"{BASE}/study-reports/{report_a.pk}/").status_code == 404
    detail = api(world.secretary_a).get(f"{BASE}/study-reports/{report_a.pk}/").json()
    assert detail["person_name"] == world.member_person.name and detail["organization"] == world.unit_a.pk
    assert detail["file_url"] == f"/assessment/reports/{report_a.pk}/file/" and detail["original_name"]
    assert api(world.supervisor).get(f"{BASE}/study-reports/{report_b.pk}/").json()["file_url"] == ""


def test_it_filters_study_reports_by_year_and_unit(world):
    this_year, last_year, other_unit = (
        make_report(world, "A"),
        make_report(world, "A", year=2025),
        make_report(world, "B"),
    )
    client = api(world.supervisor)
    assert ids(client.get(f"{BASE}/study-reports/", {"year": 2025})) == {last_year.pk}
    assert ids(client.get(f"{BASE}/study-reports/", {"organization": world.unit_a.pk})) == {this_year.pk, last_year.pk}
    assert ids(client.get(f"{BASE}/study-reports/", {"organization": world.unit_b.pk})) == {other_unit.pk}


def test_it_has_no_writes(world):
    report = make_report(world, "A")
    client = api(world.supervisor)
    assert client.patch(f"{BASE}/study-reports/{report.pk}/", {"title": "x"}, format="json").status_code == 405
    assert client.delete(f"{BASE}/study-reports/{report.pk}/").status_code == 405
    assert client.post(f"{BASE}/schemes/", {"year": 2026, "formula": "1"}, format="json").status_code == 405
