"""The study API: the same services, scoped by the policy; bad input answers 400 in Chinese."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from pangting.study import services
from pangting.study.models import StudyPlan, StudySession
from pangting.study.tests.builders import approved, at, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(2026, 11, 20, 10), tick=False):
        yield


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_it_creates_a_session_with_agenda_and_speakers_and_reports_its_facts(world):
    payload = {
        "organization": world.unit_a.pk,
        "kind": "center_group",
        "title": "学习四中全会精神",
        "starts_at": "2026-11-25T14:30:00+08:00",
        "ends_at": "2026-11-25T16:30:00+08:00",
        "place": "301会议室",
        "agenda_items": [
            # R-S4: the 第一议题 names the speech studied and its date.
            {
                "kind": "first_item",
                "title": "学习最新重要讲话",
                "source": "在某会议上的重要讲话",
                "source_date": "2026-11-01",
            },
            {"kind": "discussion", "title": "研讨"},
        ],
        # R-S6: written material of at least the configured 300 characters.
        "speeches": [{"speaker_name": "陈成员", "post": "副院长", "outline": "谈体会", "written_text": "全文" * 200}],
    }
    response = api(world.secretary_a).post("/api/v1/study-sessions/", payload, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["arrangement_due"] == "2026-11-23"
    first = response.json()["agenda_items"][0]
    assert (first["source"], first["source_date"]) == ("在某会议上的重要讲话", "2026-11-01")
    facts = api(world.supervisor).get(f"/api/v1/study-sessions/{pk}/facts/").json()
    assert facts["has_first_agenda_item"] is True
    assert facts["written_speech_count"] == 1
    assert facts["participation_rate"] == "0/1"


def test_it_refuses_a_session_ending_before_it_starts(world):
    payload = {
        "organization": world.unit_a.pk, "title": "x", "place": "y",
        "starts_at": "2026-11-25T16:30:00+08:00", "ends_at": "2026-11-25T14:30:00+08:00",
    }  # fmt: skip
    response = api(world.secretary_a).post("/api/v1/study-sessions/", payload, format="json")
    assert response.status_code == 400
    assert "结束时间不能早于或等于开始时间" in str(response.json())


def test_it_hides_another_units_sessions_and_refuses_writes_there(world):
    session = make_session(world.unit_a)
    assert api(world.secretary_b).get(f"/api/v1/study-sessions/{session.pk}/").status_code == 404
    assert api(world.secretary_b).get("/api/v1/study-sessions/").json()["count"] == 0
    assert api(world.member).post(f"/api/v1/study-sessions/{session.pk}/send-arrangement/").status_code == 404
    payload = {"organization": world.unit_a.pk, "title": "x", "place": "y",
               "starts_at": "2026-11-25T14:30:00+08:00", "ends_at": "2026-11-25T16:30:00+08:00"}  # fmt: skip
    # Another unit's organization answers like one that does not exist (issue 14 item 2).
    refused = api(world.secretary_b).post("/api/v1/study-sessions/", payload, format="json")
    missing = api(world.secretary_b).post("/api/v1/study-sessions/", {**payload, "organization": 999999}, format="json")
    assert refused.status_code == missing.status_code == 400
    assert refused.json() == {"organization": [f"无效的编号“{world.unit_a.pk}”，对象不存在。"]}
    assert missing.json() == {"organization": ["无效的编号“999999”，对象不存在。"]}


def test_it_refuses_a_duplicate_submission_and_attendance_for_an_outsider(world):
    session = make_session(world.unit_a)
    client = api(world.secretary_a)
    assert client.post(f"/api/v1/study-sessions/{session.pk}/send-arrangement/").status_code == 200
    again = client.post(f"/api/v1/study-sessions/{session.pk}/send-arrangement/")
    assert again.status_code == 400 and "不能重复报送" in str(again.json())
    wrong = client.post(
        f"/api/v1/study-sessions/{session.pk}/attendance/", {"person": world.liaison_person.pk, "status": "present"}
    )
    assert wrong.status_code == 400 and "不是甲学院党委理论学习中心组成员" in str(wrong.json())
    # Another unit's member answers like a missing person, without a name (issue 14 item 2).
    outside = client.post(
        f"/api/v1/study-sessions/{session.pk}/attendance/", {"person": world.member_b_person.pk, "status": "leave"}
    )
    assert outside.status_code == 400
    assert outside.json() == {"person": [f"无效的编号“{world.member_b_person.pk}”，对象不存在。"]}


def test_it_checks_a_member_in_with_the_token(world):
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    with time_machine.travel(session.starts_at, tick=False):
        response = api(world.member).post(
            f"/api/v1/study-sessions/{session.pk}/checkin/", {"token": services.checkin_token(session)}
        )
    assert response.status_code == 200 and response.json()["status"] == "present"


def test_it_walks_a_plan_through_submission_and_acknowledgement(world):
    created = api(world.secretary_a).post(
        "/api/v1/study-plans/",
        {
            "organization": world.unit_a.pk,
            "year": 2026,
            "themes": [{"period_kind": "month", "period": 3, "theme": "两会"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert api(world.secretary_a).post(f"/api/v1/study-plans/{pk}/submit/").status_code == 400  # R-S15 first
    approved(StudyPlan.objects.get(pk=pk))
    assert api(world.secretary_a).post(f"/api/v1/study-plans/{pk}/submit/").status_code == 200
    assert api(world.secretary_a).post(f"/api/v1/study-plans/{pk}/acknowledge/").status_code == 404
    assert api(world.supervisor).post(f"/api/v1/study-plans/{pk}/acknowledge/").json()["status"] == "acknowledged"
    assert StudyPlan.objects.get(pk=pk).status == StudyPlan.Status.ACKNOWLEDGED


def test_it_keeps_a_members_self_study_to_themselves(world):
    client = api(world.member)
    assert client.post("/api/v1/self-study-plans/", {"year": 2026, "goals": "研读原著"}).status_code == 201
    assert api(world.member).get("/api/v1/self-study-plans/").json()["count"] == 1
    assert api(world.secretary_a).get("/api/v1/self-study-plans/").json()["count"] == 1
    assert api(world.secretary_b).get("/api/v1/self-study-plans/").json()["count"] == 0
    assert api(world.supervisor).post("/api/v1/self-study-plans/", {"year": 2026, "goals": "x"}).status_code == 404


def test_it_lists_sessions_in_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    for day in range(1, 11):
        make_session(world.unit_a, starts_at=at(2026, 10, day))
    with django_assert_max_num_queries(12):
        response = api(world.supervisor).get("/api/v1/study-sessions/")
    assert response.json()["count"] == 10
    assert StudySession.objects.count() == 10


def test_it_follows_an_upper_theme_by_id_and_refuses_any_other_id_alike(world):
    """R-S17 through the API: the upper level's theme is accepted; a missing id and a theme
    that is not the upper plan's are refused with the same message."""
    from pangting.core.system import system_actor

    upper = services.create_plan(
        world.root, actor=system_actor(), year=2026, themes=[{"period_kind": "month", "period": 3, "theme": "两会"}]
    )
    theme = upper.themes.get()

    def post(upper_id: int) -> Any:
        body = {"period_kind": "month", "period": 3, "theme": "学习两会精神", "upper_theme": upper_id}
        return api(world.secretary_a).post(
            "/api/v1/study-plans/", {"organization": world.unit_a.pk, "year": 2026, "themes": [body]}, format="json"
        )

    missing, own = post(987654321), post(theme.pk + 1000)
    assert missing.status_code == own.status_code == 400
    assert missing.json() == own.json()
    created = post(theme.pk)
    assert created.status_code == 201, created.json()
    assert created.json()["themes"][0]["upper_theme"] == theme.pk
