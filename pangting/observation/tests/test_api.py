"""Observation API: scoped reads, action endpoints through the services, Chinese 400s, valid schema."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from pangting.observation import services
from pangting.observation.models import Rectification, State

from .scenes import FINDINGS, SCORES, session_on, travel, walk

pytestmark = pytest.mark.django_db

BASE = "/api/v1/observation"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_it_scopes_visits_to_what_each_persona_reaches(world):
    visit = walk(world, State.SCHEDULED)
    sees = ["supervisor", "viewer", "leader", "liaison", "secretary_a"]
    expected = {p: {visit.pk} for p in sees} | {p: set() for p in ["secretary_b", "member", "sysadmin", "outsider"]}
    for persona, visible in expected.items():
        assert ids(api(getattr(world, persona)).get(f"{BASE}/visits/")) == visible, persona
    assert api(world.secretary_b).get(f"{BASE}/visits/{visit.pk}/").status_code == 404


def test_it_shows_a_visit_with_team_deadlines_basis_and_the_callers_next_steps(world):
    visit = walk(world, State.SCHEDULED)
    data = api(world.liaison).get(f"{BASE}/visits/{visit.pk}/").json()
    assert data["state"] == "scheduled"
    assert data["reply"]["due"] == "2026-10-13" and "7个工作日" in data["reply"]["text"]
    assert data["feedback"]["due"] == "2026-10-20" and data["feedback"]["basis"]["unit"] == "working"
    assert {m["role"] for m in data["team"]} == {"leader", "liaison"}
    assert [t["to_state"] for t in data["transitions"]] == ["notified", "scheduled"]
    assert data["allowed_transitions"] == ["observed"]  # the session is over; the liaison may mark it
    assert api(world.secretary_a).get(f"{BASE}/visits/{visit.pk}/").json()["allowed_transitions"] == []


def test_it_moves_a_visit_through_the_transition_endpoint_with_chinese_refusals(world):
    visit = walk(world, State.PLANNED)
    bad = api(world.supervisor).post(f"{BASE}/visits/{visit.pk}/transition/", {"to_state": "recorded"}, format="json")
    assert bad.status_code == 400 and "不能从" in str(bad.json())
    nonsense = api(world.supervisor).post(f"{BASE}/visits/{visit.pk}/transition/", {"to_state": "x"}, format="json")
    assert nonsense.status_code == 400
    no_reason = api(world.supervisor).post(
        f"{BASE}/visits/{visit.pk}/transition/", {"to_state": "cancelled"}, format="json"
    )
    assert no_reason.status_code == 400 and "须说明原因" in str(no_reason.json())
    forbidden = api(world.secretary_a).post(
        f"{BASE}/visits/{visit.pk}/transition/", {"to_state": "cancelled", "reason": "x"}, format="json"
    )
    assert forbidden.status_code == 404
    done = api(world.supervisor).post(
        f"{BASE}/visits/{visit.pk}/transition/", {"to_state": "cancelled", "reason": "调整安排"}, format="json"
    )
    assert done.status_code == 200 and done.json()["state"] == "cancelled"


def test_it_takes_the_units_reply_and_the_liaisons_record(world):
    visit = walk(world, State.NOTIFIED)
    with travel("2026-09-29"):
        session = session_on(world)
        outsider_reply = api(world.secretary_b).post(f"{BASE}/visits/{visit.pk}/reply/", {"session": session.pk})
        assert outsider_reply.status_code == 404
        reply = api(world.secretary_a).post(
            f"{BASE}/visits/{visit.pk}/reply/", {"session": session.pk, "replied_on": "2026-09-29"}, format="json"
        )
    assert reply.status_code == 200 and reply.json()["state"] == "scheduled"
    assert reply.json()["record"]["due"] == "2026-10-03"
    with travel("2026-09-30", "10:00"):
        early = api(world.liaison).post(
            f"{BASE}/visits/{visit.pk}/record/", {**FINDINGS, "scores": SCORES, "submit": True}, format="json"
        )
    assert early.status_code == 400 and "学习会尚未召开" in str(early.json())
    with travel("2026-10-02"):
        assert api(world.secretary_a).post(f"{BASE}/visits/{visit.pk}/record/", {}, format="json").status_code == 404
        filed = api(world.liaison).post(
            f"{BASE}/visits/{visit.pk}/record/", {**FINDINGS, "scores": SCORES, "submit": True}, format="json"
        )
    assert filed.status_code == 200 and filed.json()["composite_score"] == "82.5"
    record_id = filed.json()["id"]
    assert api(world.secretary_a).get(f"{BASE}/records/{record_id}/").status_code == 200
    assert api(world.secretary_b).get(f"{BASE}/records/{record_id}/").status_code == 404


def test_it_reports_and_verifies_rectifications(world):
    visit = walk(world, State.RECTIFYING)
    item = Rectification.objects.get(visit=visit)
    report_url, verify_url = f"{BASE}/rectifications/{item.pk}/report/", f"{BASE}/rectifications/{item.pk}/verify/"
    early = api(world.secretary_a).post(report_url, {"report": "已整改"}, format="json")
    assert early.status_code == 400 and "请先填写整改措施" in str(early.json())
    services.plan_rectification(
        item, actor=world.secretary_a, measure="建立清单", owner=None, deadline=dt.date(2026, 12, 1)
    )
    assert api(world.secretary_b).post(report_url, {"report": "x"}, format="json").status_code == 404
    assert (
        api(world.secretary_a).post(report_url, {"report": "已建立清单"}, format="json").json()["status"] == "reported"
    )
    assert api(world.secretary_a).post(verify_url, {"accept": True}, format="json").status_code == 404
    back = api(world.supervisor).post(verify_url, {"accept": False, "note": ""}, format="json")
    assert back.status_code == 400 and "退回须说明理由" in str(back.json())
    ok = api(world.supervisor).post(verify_url, {"accept": True, "note": "到位"}, format="json")
    assert ok.json()["status"] == "accepted"
    assert api(world.supervisor).get(f"{BASE}/visits/{visit.pk}/").json()["state"] == "closed"
    assert ids(api(world.secretary_b).get(f"{BASE}/rectifications/")) == set()


def test_it_lists_cross_observations_to_both_units_and_feedback_invitations_practices_in_scope(world):
    visit = walk(world, State.FEEDBACK_ISSUED)
    with travel("2026-10-08"):
        cross = services.invite_cross_observation(world.unit_a, world.unit_b, actor=world.secretary_a)
        invitation = services.request_invitation(session_on(world, "2026-11-20"), actor=world.secretary_a)
    practice = services.collect_practice(
        actor=world.supervisor, unit=world.unit_a, title="清单", description="做法", visit=visit
    )
    assert ids(api(world.secretary_b).get(f"{BASE}/cross/")) == {cross.pk}
    assert ids(api(world.secretary_a).get(f"{BASE}/cross/")) == {cross.pk}
    assert ids(api(world.outsider).get(f"{BASE}/cross/")) == set()
    assert len(ids(api(world.secretary_a).get(f"{BASE}/feedback/"))) == 1
    assert ids(api(world.secretary_b).get(f"{BASE}/feedback/")) == set()
    assert ids(api(world.supervisor).get(f"{BASE}/invitations/")) == {invitation.pk}
    assert ids(api(world.secretary_b).get(f"{BASE}/invitations/")) == set()
    assert ids(api(world.secretary_b).get(f"{BASE}/practices/")) == set()
    services.promote_practice(practice, actor=world.supervisor)
    assert ids(api(world.secretary_b).get(f"{BASE}/practices/")) == {practice.pk}


def test_the_schema_documents_the_observation_endpoints(world):
    response = api(world.supervisor).get("/api/v1/schema?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/observation/visits/{id}/transition/", "/api/v1/observation/visits/{id}/reply/",
                 "/api/v1/observation/visits/{id}/record/", "/api/v1/observation/rectifications/{id}/report/",
                 "/api/v1/observation/rectifications/{id}/verify/", "/api/v1/observation/cross/"):  # fmt: skip
        assert path in paths, path
