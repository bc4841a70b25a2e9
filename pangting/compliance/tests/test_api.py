"""Compliance API: findings scoped by compliance.view, runs and rules by compliance.configure, fixed query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from pangting.compliance import services
from pangting.compliance.models import ComplianceRun, Finding
from pangting.compliance.tests.builders import stored_finding
from pangting.core import clock, parameters
from pangting.core.system import system_actor

from .builders import good_session, travel

pytestmark = pytest.mark.django_db

BASE = "/api/v1/compliance"


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def make_run(unit: Any = None, year: int = 2026) -> ComplianceRun:
    return ComplianceRun.objects.create(
        year=year, unit=unit, actor=system_actor(), counts={"new": 1, "still": 0, "resolved": 0}
    )


def make_finding(unit: Any, rule_id: str = "R-S7", *, year: int = 2026, severity: str = "amber", **fields: Any) -> Any:
    run = fields.pop("run", None) or make_run(year=year)
    fields.setdefault("period", str(year))
    fields.setdefault("key", f"{rule_id}:{unit.pk}:{Finding.objects.count()}")
    fields.setdefault("message", "会后未形成学习小结")
    return stored_finding(
        rule_id=rule_id, unit=unit, year=year, severity=severity, first_seen=run, last_seen=run, **fields
    )


def test_it_scopes_findings_to_each_personas_compliance_reach(world):
    """Supervisor and viewer see every unit; unit A's people see A (and its branch); others nothing."""
    a, branch, b = make_finding(world.unit_a), make_finding(world.branch_a), make_finding(world.unit_b)
    expected = {
        "supervisor": {a.pk, branch.pk, b.pk},
        "viewer": {a.pk, branch.pk, b.pk},
        "secretary_a": {a.pk, branch.pk},
        "liaison": {a.pk, branch.pk},
        "secretary_b": {b.pk},
        "member": set(),
        "sysadmin": set(),
        "outsider": set(),
    }
    for persona, visible in expected.items():
        assert ids(api(getattr(world, persona)).get(f"{BASE}/findings/")) == visible, persona


def test_it_answers_404_for_a_finding_out_of_reach_and_for_a_missing_one(world):
    b = make_finding(world.unit_b)
    assert api(world.secretary_b).get(f"{BASE}/findings/{b.pk}/").status_code == 200
    assert api(world.secretary_a).get(f"{BASE}/findings/{b.pk}/").status_code == 404
    assert api(world.outsider).get(f"{BASE}/findings/{b.pk}/").status_code == 404
    assert api(world.supervisor).get(f"{BASE}/findings/{b.pk + 1000}/").status_code == 404


def test_it_filters_findings_by_year_unit_rule_severity_and_status(world):
    red = make_finding(world.unit_a, "R-S3", severity="red")
    amber = make_finding(world.branch_a, "R-S7")
    last_year = make_finding(world.unit_a, "R-S7", year=2025)
    resolved = make_finding(world.unit_b, "R-S7", resolved_at=clock.now())
    client = api(world.supervisor)
    assert ids(client.get(f"{BASE}/findings/", {"year": 2025})) == {last_year.pk}
    assert ids(client.get(f"{BASE}/findings/", {"unit": world.unit_a.pk, "year": 2026})) == {red.pk, amber.pk}
    assert ids(client.get(f"{BASE}/findings/", {"unit": world.branch_a.pk})) == {amber.pk}
    refused = client.get(f"{BASE}/findings/", {"unit": "nonsense"})  # an API filter is never silently dropped
    assert refused.status_code == 400 and "有效的编号" in str(refused.json()["unit"])
    assert ids(client.get(f"{BASE}/findings/", {"rule": "R-S3"})) == {red.pk}
    assert ids(client.get(f"{BASE}/findings/", {"severity": "red"})) == {red.pk}
    assert ids(client.get(f"{BASE}/findings/", {"status": "resolved"})) == {resolved.pk}
    assert ids(client.get(f"{BASE}/findings/", {"status": "open", "year": 2026})) == {red.pk, amber.pk}
    # A unit filter never widens the reach: secretary B asking for unit A gets nothing.
    assert ids(api(world.secretary_b).get(f"{BASE}/findings/", {"unit": world.unit_a.pk})) == set()


def test_it_shows_a_computed_finding_with_its_evidence_and_their_api_links(world):
    """R-S7: a session without a summary; the finding points at the session, linked to its API detail."""
    session = good_session(world, dt.date(2026, 9, 15), summary="", member_records=False)
    with travel(dt.date(2026, 11, 23)):
        services.run_checks(2026, rules=["R-S7"], actor=system_actor())
    finding = Finding.objects.get(rule_id="R-S7", unit=world.unit_a, key=f"session:{session.pk}")
    data = api(world.secretary_a).get(f"{BASE}/findings/{finding.pk}/").json()
    assert data["rule_id"] == "R-S7" and data["rule_title"] and data["status"] == "open"
    assert data["unit_name"] == world.unit_a.name
    evidence = data["evidence"]
    assert [(e["model"], e["pk"]) for e in evidence] == [("study.studysession", session.pk)]
    assert evidence[0]["url"] == reverse("studysession-detail", kwargs={"pk": session.pk})
    assert api(world.secretary_a).get(evidence[0]["url"]).status_code == 200


def test_it_lists_findings_with_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    client = api(world.supervisor)
    make_finding(world.unit_a)
    with django_assert_max_num_queries(6) as few:
        assert len(ids(client.get(f"{BASE}/findings/"))) == 1
    for _ in range(10):
        make_finding(world.unit_b, evidence=[{"model": "study.studysession", "pk": 1, "label": "学习会"}])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(ids(client.get(f"{BASE}/findings/"))) == 11


def test_it_shows_runs_to_who_configures_compliance_only(world):
    """A run of one unit where the unit is reached; a run over every unit at the top; others get nothing."""
    everything, of_a = make_run(), make_run(world.unit_a)
    assert ids(api(world.supervisor).get(f"{BASE}/runs/")) == {everything.pk, of_a.pk}
    for persona in ("secretary_a", "viewer", "leader", "outsider"):
        client = api(getattr(world, persona))
        assert ids(client.get(f"{BASE}/runs/")) == set(), persona
        assert client.get(f"{BASE}/runs/{of_a.pk}/").status_code == 404, persona
    data = api(world.supervisor).get(f"{BASE}/runs/{of_a.pk}/").json()
    assert (
        data["unit"] == world.unit_a.pk
        and data["counts"] == {"new": 1, "still": 0, "resolved": 0}
        and data["finished"] is False
    )


def test_it_filters_runs_by_year_and_unit(world):
    this_year, last_year, of_b = make_run(), make_run(year=2025), make_run(world.unit_b)
    client = api(world.supervisor)
    assert ids(client.get(f"{BASE}/runs/", {"year": 2025})) == {last_year.pk}
    assert ids(client.get(f"{BASE}/runs/", {"unit": world.unit_b.pk})) == {of_b.pk}
    assert client.get(f"{BASE}/runs/", {"unit": "x"}).status_code == 400
    assert this_year.pk in ids(client.get(f"{BASE}/runs/", {"year": 2026}))


def test_it_lists_runs_with_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    client = api(world.supervisor)
    make_run(world.unit_a)
    with django_assert_max_num_queries(6) as few:
        assert len(ids(client.get(f"{BASE}/runs/"))) == 1
    for _ in range(10):
        make_run(world.unit_b)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(ids(client.get(f"{BASE}/runs/"))) == 11


def test_it_lists_rules_with_parameters_default_and_value_in_force(world):
    services.set_rule_parameter("R-S3", "min_rate", "85", actor=world.supervisor)
    response = api(world.supervisor).get(f"{BASE}/rules/")
    assert response.status_code == 200
    rules = {r["id"]: r for r in response.json()}
    assert list(rules) == sorted(rules, key=parameters.rule_sort_key)  # domain.md's order
    min_rate = next(p for p in rules["R-S3"]["parameters"] if p["name"] == "min_rate")
    assert min_rate["value"] == 85 and min_rate["default"] != 85 and min_rate["changed"] is True
    assert rules["R-S3"]["checked"] is True and rules["R-S3"]["title"]
    detail = api(world.supervisor).get(f"{BASE}/rules/R-S3/").json()
    assert detail == rules["R-S3"]


def test_it_gives_rules_only_to_who_configures_compliance(world):
    """Rule parameters are deployment settings (like the rule-parameters page): an empty list and 404 otherwise."""
    for persona in ("secretary_a", "viewer", "outsider"):
        client = api(getattr(world, persona))
        assert client.get(f"{BASE}/rules/").json() == [], persona
        assert client.get(f"{BASE}/rules/R-S3/").status_code == 404, persona
    assert api(world.supervisor).get(f"{BASE}/rules/R-X99/").status_code == 404
