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
    assert data["available_steps"] == ["mark_observed"]  # the session is over; the liaison may mark it
    assert api(world.secretary_a).get(f"{BASE}/visits/{visit.pk}/").json()["available_steps"] == []


def test_it_offers_named_steps_and_no_raw_state_setter(world):
    visit = walk(world, State.PLANNED)
    assert api(world.supervisor).post(
        f"{BASE}/visits/{visit.pk}/transition/", {"to_state": "notified"}, format="json"
    ).status_code in (404, 405)
    assert api(world.supervisor).get(f"{BASE}/visits/{visit.pk}/").json()["available_steps"] == [
        "issue_letter",
        "cancel",
    ]
    wrong_state = api(world.liaison).post(f"{BASE}/visits/{visit.pk}/mark_observed/", {}, format="json")
    assert wrong_state.status_code == 400 and "不能办理" in str(wrong_state.json())
    no_reason = api(world.supervisor).post(f"{BASE}/visits/{visit.pk}/cancel/", {}, format="json")
    assert no_reason.status_code == 400 and "须说明原因" in str(no_reason.json())
    done = api(world.supervisor).post(f"{BASE}/visits/{visit.pk}/cancel/", {"reason": "调整安排"}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "cancelled"
    assert done.json()["transitions"][-1]["step"] == "cancel"


def test_it_answers_a_read_only_user_with_404_before_revealing_the_state(world):
    visit = walk(world, State.RECORDED)
    for step in ("issue_letter", "mark_observed", "issue_feedback", "acknowledge", "cancel"):
        response = api(world.viewer).post(f"{BASE}/visits/{visit.pk}/{step}/", {"reason": "x"}, format="json")
        assert response.status_code == 404, step
        assert "recorded" not in str(response.content) and "已填报记录" not in response.content.decode(), step
    assert api(world.viewer).get(f"{BASE}/visits/{visit.pk}/").json()["available_steps"] == []


def test_it_takes_a_letter_through_its_step_and_refuses_a_stale_version(world):
    visit = walk(world, State.PLANNED)
    seen = api(world.supervisor).get(f"{BASE}/visits/{visit.pk}/").json()["version"]
    with travel("2026-09-25"):
        issued = api(world.supervisor).post(f"{BASE}/visits/{visit.pk}/issue_letter/", {"version": seen}, format="json")
        assert issued.status_code == 200 and issued.json()["state"] == "notified"
        assert issued.json()["letter_number"].endswith("号")
        again = api(world.supervisor).post(f"{BASE}/visits/{visit.pk}/cancel/", {"version": seen, "reason": "x"})
    assert again.status_code == 409 and "此记录已被他人修改" in str(again.json())
    assert api(world.supervisor).get(f"{BASE}/visits/{visit.pk}/").json()["state"] == "notified"


def test_it_cannot_skip_the_units_acknowledgement_of_feedback(world):
    """R-O10: from 已反馈 only the unit's acknowledgement (or a cancellation) leads on."""
    visit = walk(world, State.FEEDBACK_ISSUED)
    assert api(world.supervisor).get(f"{BASE}/visits/{visit.pk}/").json()["available_steps"] == ["cancel"]
    assert api(world.supervisor).post(f"{BASE}/visits/{visit.pk}/acknowledge/", {}, format="json").status_code == 404
    assert api(world.secretary_a).get(f"{BASE}/visits/{visit.pk}/").json()["available_steps"] == ["acknowledge"]
    done = api(world.secretary_a).post(f"{BASE}/visits/{visit.pk}/acknowledge/", {}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "rectifying"


def test_it_takes_the_units_reply_and_the_liaisons_record(world):
    visit = walk(world, State.NOTIFIED)
    with travel("2026-09-29"):
        session = session_on(world)
        outsider_reply = api(world.secretary_b).post(f"{BASE}/visits/{visit.pk}/reply/", {"session": session.pk})
        assert outsider_reply.status_code == 404
        reply = api(world.secretary_a).post(f"{BASE}/visits/{visit.pk}/reply/", {"session": session.pk}, format="json")
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
    assert [(t["step"], t["to_state"]) for t in ok.json()["transitions"]] == [
        ("report", "reported"),
        ("accept", "accepted"),
    ]
    assert ok.json()["available_steps"] == []
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
    assert "/api/v1/observation/visits/{id}/transition/" not in paths
    for path in ("/api/v1/observation/visits/{id}/issue_letter/", "/api/v1/observation/visits/{id}/reply/",
                 "/api/v1/observation/visits/{id}/acknowledge/", "/api/v1/observation/cross/{id}/cancel/",
                 "/api/v1/observation/invitations/{id}/accept/",
                 "/api/v1/observation/visits/{id}/record/", "/api/v1/observation/rectifications/{id}/report/",
                 "/api/v1/observation/rectifications/{id}/verify/", "/api/v1/observation/cross/"):  # fmt: skip
        assert path in paths, path
