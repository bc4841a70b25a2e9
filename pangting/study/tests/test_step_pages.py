"""The plan and session pages take workflow steps (issue 10, steps not states): the buttons shown
are the steps `available_step_names` offers, every step form carries the version the user saw, a
stale form changes nothing and says so, and the page shows the record's 办理记录."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from pangting.core.models import TransitionLog
from pangting.core.transitions import available_step_names, log_of
from pangting.study import services
from pangting.study.models import Attendance, StudyPlan, StudySession
from pangting.study.tests.builders import approved, at, make_session

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 25, 15, 30)  # the session below started an hour ago
STALE = "此记录已被他人修改"
# The page's step buttons by test id → the workflow step each one takes.
BUTTONS = {
    "step-submit": "submit",
    "step-acknowledge": "acknowledge",
    "step-return": "return",
    "close-attendance": "close_attendance",
    "step-cancel": "cancel",
    # R-S15 书记审定, beside the filing steps
    "step-approve": "approve",
    "step-record-paper-approval": "record_paper_approval",
    "step-void-approval": "void_approval",
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _plan(world, themes=True):
    rows = [{"period_kind": "month", "period": 11, "theme": "学习贯彻党的二十届四中全会精神"}] if themes else []
    return services.create_plan(world.unit_a, actor=world.secretary_a, year=2026, themes=rows)


def _session(world):
    return make_session(world.unit_a, starts_at=at(2026, 11, 25, 14, 30), actor=world.secretary_a)


def _buttons(page: str) -> set[str]:
    return {BUTTONS[found] for found in re.findall(r'data-testid="([\w-]+)"', page) if found in BUTTONS}


def _versions(page: str) -> set[int]:
    return {int(v) for v in re.findall(r'name="version" value="(\d+)"', page)}


def _plan_in(world, state: str) -> StudyPlan:
    plan = approved(_plan(world))  # R-S15: approved before it is submitted
    if state in ("submitted", "acknowledged", "returned"):
        plan = services.transition_plan(plan, "submitted", actor=world.secretary_a)
    if state == "acknowledged":
        plan = services.transition_plan(plan, "acknowledged", actor=world.supervisor)
    if state == "returned":
        plan = services.transition_plan(plan, "returned", actor=world.supervisor, reason="专题不够具体")
    return plan


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("draft", {"secretary_a": {"submit", "void_approval"}, "supervisor": set(), "viewer": set()}),
        ("submitted", {"secretary_a": set(), "supervisor": {"acknowledge", "return"}, "viewer": set()}),
        ("returned", {"secretary_a": {"submit", "void_approval"}, "supervisor": set(), "viewer": set()}),
        ("acknowledged", {"secretary_a": set(), "supervisor": set(), "viewer": set()}),
    ],
)
def test_it_shows_exactly_the_plan_steps_the_workflow_offers_r_s1(world, client_for, state, expected):
    plan = _plan_in(world, state)
    for persona, steps in expected.items():
        user = getattr(world, persona)
        page = client_for(user).get(reverse("study:plan_detail", args=[plan.pk])).content.decode()
        assert _buttons(page) == set(available_step_names(plan, user)) == steps, persona
        if steps:
            assert _versions(page) == {plan.version}  # every step form carries the version shown


def test_it_offers_no_submit_button_for_a_plan_without_themes_r_s5(world, client_for):
    plan = _plan(world, themes=False)
    page = client_for(world.secretary_a).get(reverse("study:plan_detail", args=[plan.pk])).content.decode()
    assert available_step_names(plan, world.secretary_a) == ["record_paper_approval"]  # R-S15, not submit
    assert _buttons(page) == {"record_paper_approval"}
    assert "修改" in page  # editing is still open: that is how the themes get added


def test_it_refuses_a_stale_plan_form_and_changes_nothing(world, client_for):
    plan = _plan_in(world, "submitted")
    seen = plan.version  # two tabs of the supervisor show this version
    supervisor = client_for(world.supervisor)
    supervisor.post(reverse("study:plan_transition", args=[plan.pk, "returned"]), {"version": seen, "reason": "重写"})
    stale = supervisor.post(
        reverse("study:plan_transition", args=[plan.pk, "acknowledged"]), {"version": seen}, follow=True
    )
    assert STALE in stale.content.decode()
    plan.refresh_from_db()
    assert (plan.status, plan.acknowledged_at, plan.return_reason) == (StudyPlan.Status.RETURNED, None, "重写")
    assert [row.step for row in log_of(plan)] == ["approve", "submit", "return"]


def test_it_shows_the_plan_log_to_whoever_may_see_the_plan(world, client_for):
    plan = _plan_in(world, "returned")
    for persona in ("secretary_a", "supervisor", "viewer"):
        page = client_for(getattr(world, persona)).get(reverse("study:plan_detail", args=[plan.pk])).content.decode()
        entries = re.findall(r'data-testid="step-log-entry">(.*?)</li>', page)
        assert len(entries) == 3, persona
        assert "书记审定" in entries[0] and "书记已审定" in entries[0]  # R-S15
        assert "报送" in entries[1] and "草稿" in entries[1] and world.secretary_a.display_name in entries[1]
        assert "退回修改" in entries[2] and "专题不够具体" in entries[2] and world.supervisor.display_name in entries[2]


def test_it_shows_exactly_the_session_steps_the_workflow_offers(world, client_for):
    session = _session(world)
    url = reverse("study:session_detail", args=[session.pk])
    secretary = {"close_attendance", "cancel", "void_approval"}  # the session plan is approved (R-S15)
    for persona, steps in (("secretary_a", secretary), ("viewer", set()), ("member", set())):
        user = getattr(world, persona)
        page = client_for(user).get(url).content.decode()
        assert _buttons(page) == set(available_step_names(session, user)) == steps, persona
    page = client_for(world.secretary_a).get(url).content.decode()
    assert _versions(page) == {session.version}
    services.close_attendance(session, actor=world.secretary_a)
    session.refresh_from_db()
    assert session.status == StudySession.Status.HELD
    assert _buttons(client_for(world.secretary_a).get(url).content.decode()) == set()


def test_it_refuses_a_stale_session_form_and_changes_nothing(world, client_for):
    session = _session(world)
    pending = session.attendances.filter(status=Attendance.Status.PENDING).count()
    seen = session.version
    services.update_session(session, actor=world.secretary_a, place="行政楼302会议室")  # someone else's change
    secretary = client_for(world.secretary_a)
    cancel = secretary.post(
        reverse("study:session_cancel", args=[session.pk]), {"version": seen, "reason": "临时有会"}, follow=True
    )
    close = secretary.post(reverse("study:session_close_attendance", args=[session.pk]), {"version": seen}, follow=True)
    assert STALE in cancel.content.decode() and STALE in close.content.decode()
    session.refresh_from_db()
    assert (session.status, session.cancel_reason, session.attendance_closed_at) == ("planned", "", None)
    assert session.attendances.filter(status=Attendance.Status.PENDING).count() == pending
    # Only the approval and its voiding by the other change (R-S15): nothing this stale page sent.
    assert [row.step for row in log_of(session)] == ["approve", "void_approval"]


def test_it_shows_the_session_log_after_a_cancellation(world, client_for):
    session = _session(world)
    secretary = client_for(world.secretary_a)
    secretary.post(
        reverse("study:session_cancel", args=[session.pk]), {"version": session.version, "reason": "与党委会冲突"}
    )
    page = client_for(world.viewer).get(reverse("study:session_detail", args=[session.pk])).content.decode()
    entries = re.findall(r'data-testid="step-log-entry">(.*?)</li>', page)
    assert len(entries) == 2  # the session plan's approval (R-S15), then the cancellation
    assert "取消学习会" in entries[1] and "与党委会冲突" in entries[1] and "已取消" in entries[1]
    assert TransitionLog.objects.get(step="cancel").actor == world.secretary_a
    assert entries[1].startswith("2026年11月25日 15:30 ")  # when, in local time


def test_it_gives_the_api_the_same_steps_as_the_page_and_refuses_a_stale_version(world, client_for):
    plan = _plan_in(world, "submitted")
    session = _session(world)
    supervisor, secretary = client_for(world.supervisor), client_for(world.secretary_a)
    body = supervisor.get(f"/api/v1/study-plans/{plan.pk}/").json()
    assert (body["available_steps"], body["version"]) == (["acknowledge", "return"], plan.version)
    assert secretary.get(f"/api/v1/study-sessions/{session.pk}/").json()["available_steps"] == [
        "close_attendance",
        "cancel",
        "void_approval",
    ]
    seen = plan.version
    supervisor.post(f"/api/v1/study-plans/{plan.pk}/return/", {"reason": "重写", "version": seen})
    stale = supervisor.post(f"/api/v1/study-plans/{plan.pk}/acknowledge/", {"version": seen})
    assert stale.status_code == 409 and STALE in stale.content.decode()
    plan.refresh_from_db()
    assert plan.status == StudyPlan.Status.RETURNED
