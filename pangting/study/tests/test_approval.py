"""R-S15 书记审定: the group leader approves the annual plan and each session plan before the plan
is filed (R-S1) or the arrangement form sent (R-S10), in the system or on paper (date and scan);
an edit afterwards voids the approval; the leader sees what waits for him; the check finds a
record filed or sent without approval and leaves records from before the rule alone."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from pangting.accounts.models import Role
from pangting.compliance.tests.builders import findings, group_leader
from pangting.core.transitions import available_step_names, log_of
from pangting.study import reminders, services
from pangting.study.models import Approval, ApprovalKind, StudyPlan, StudySession
from pangting.study.tests.builders import at, make_session
from pangting.study.todos import study_todos
from pangting.tests.builders import make_user

pytestmark = pytest.mark.django_db

NOW = at(2026, 1, 12, 10)
THEMES = [{"period_kind": "month", "period": 3, "theme": "学习贯彻党的二十届四中全会精神"}]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def leader(world):
    """Unit A's center-group leader (组长, the secretary) with his account: a member of the unit."""
    person = group_leader(world)
    person.email = "leader_a@example.edu.cn"
    person.save(update_fields=["email"])
    return make_user("leader_a", (Role.MEMBER, world.unit_a), person=person)


def _plan(world) -> StudyPlan:
    return services.create_plan(world.unit_a, actor=world.secretary_a, year=2026, themes=THEMES)


def _pdf(name: str = "审定件.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 signed by the secretary", content_type="application/pdf")


def _session(world) -> StudySession:
    return make_session(world.unit_a, starts_at=at(2026, 1, 20), actor=world.secretary_a, approved=False)


# --- the plan -------------------------------------------------------------------------------------


def test_r_s15_refuses_to_submit_a_plan_the_leader_has_not_approved(world, leader):
    plan = _plan(world)
    assert plan.approval_state == Approval.PENDING
    assert "submit" not in available_step_names(plan, world.secretary_a)
    with pytest.raises(ValidationError, match="R-S15"):
        services.transition_plan(plan, StudyPlan.Status.SUBMITTED, actor=world.secretary_a)
    assert StudyPlan.objects.get(pk=plan.pk).status == StudyPlan.Status.DRAFT


def test_r_s15_lets_the_group_leader_approve_in_the_system_and_records_who_and_when(world, leader):
    plan = _plan(world)
    assert available_step_names(plan, leader) == ["approve"]
    services.approve(plan, actor=leader, note="同意报送")
    plan.refresh_from_db()
    assert (plan.approval_state, plan.approval_kind, plan.approved_by, plan.approved_at, plan.approval_note) == (
        Approval.APPROVED, ApprovalKind.IN_SYSTEM, leader, NOW, "同意报送",
    )  # fmt: skip
    assert [row.step for row in log_of(plan)] == ["approve"]
    assert plan.history.first().approval_state == Approval.APPROVED  # kept in the record's history
    services.transition_plan(plan, StudyPlan.Status.SUBMITTED, actor=world.secretary_a)
    assert StudyPlan.objects.get(pk=plan.pk).status == StudyPlan.Status.SUBMITTED


def test_r_s15_lets_only_the_current_group_leader_approve(world, leader):
    plan = _plan(world)
    for someone in (world.secretary_a, world.member, world.supervisor, world.secretary_b):
        assert "approve" not in available_step_names(plan, someone)
        with pytest.raises(Http404):
            services.approve(plan, actor=someone)
    membership = world.group_a.memberships.get(person=leader.person)
    membership.left_on = dt.date(2026, 1, 1)  # no longer the leader today
    membership.save()
    with pytest.raises(Http404):
        services.approve(plan, actor=leader)


def test_r_s15_lets_the_secretary_record_a_paper_approval_with_its_date_and_scan(world, leader, client_for):
    plan = _plan(world)
    with pytest.raises(Http404):  # the leader approves in the system; recording paper is the secretary's
        services.record_paper_approval(plan, actor=leader, approved_on=dt.date(2026, 1, 12), scan=_pdf())
    services.record_paper_approval(plan, actor=world.secretary_a, approved_on=dt.date(2026, 1, 12), scan=_pdf())
    plan.refresh_from_db()
    assert (plan.approval_state, plan.approval_kind, plan.paper_approved_on) == (
        Approval.APPROVED, ApprovalKind.PAPER, dt.date(2026, 1, 12),
    )  # fmt: skip
    assert plan.approved_on == dt.date(2026, 1, 12)
    scan = client_for(world.supervisor).get(reverse("study:plan_approval_scan", args=[plan.pk]))
    assert scan.status_code == 200 and b"".join(scan.streaming_content).startswith(b"%PDF")
    assert client_for(world.secretary_b).get(reverse("study:plan_approval_scan", args=[plan.pk])).status_code == 404


@pytest.mark.parametrize(
    ("day", "scan", "refusal"),
    [
        (None, _pdf, "请填写书记审定的日期"),
        (dt.date(2026, 1, 13), _pdf, "不能晚于今天"),
        (dt.date(2026, 1, 11), _pdf, "不能早于方案制定的日期"),
        (dt.date(2026, 1, 12), None, "请上传"),
        (dt.date(2026, 1, 12), lambda: SimpleUploadedFile("审定件.docx", b"PK\x03\x04 word"), "PDF、JPG或PNG"),
        (dt.date(2026, 1, 12), lambda: SimpleUploadedFile("审定件.pdf", b"not a pdf"), "内容与扩展名"),
    ],
)
def test_r_s15_refuses_a_paper_approval_without_a_valid_date_or_scan(world, day, scan, refusal):
    plan = _plan(world)
    with pytest.raises(ValidationError, match=refusal):
        services.record_paper_approval(plan, actor=world.secretary_a, approved_on=day, scan=scan() if scan else None)
    assert StudyPlan.objects.get(pk=plan.pk).approval_state == Approval.PENDING


def test_r_s15_voids_the_approval_when_the_plan_is_edited_and_the_form_says_so(world, leader, client_for):
    plan = _plan(world)
    services.approve(plan, actor=leader)
    page = client_for(world.secretary_a).get(reverse("study:plan_edit", args=[plan.pk])).content.decode()
    assert 'data-testid="approval-voids"' in page
    services.update_plan(plan, actor=world.secretary_a, title=plan.title, note=plan.note, themes=THEMES)
    assert StudyPlan.objects.get(pk=plan.pk).approval_state == Approval.APPROVED  # nothing changed
    services.update_plan(plan, actor=world.secretary_a, title="修改后的计划", themes=THEMES)
    plan.refresh_from_db()
    assert (plan.approval_state, plan.approved_by, plan.approval_kind) == (Approval.PENDING, None, "")
    assert [row.step for row in log_of(plan)] == ["approve", "void_approval"]
    with pytest.raises(ValidationError, match="R-S15"):
        services.transition_plan(plan, StudyPlan.Status.SUBMITTED, actor=world.secretary_a)


# --- the session plan ----------------------------------------------------------------------------


def test_r_s15_refuses_to_send_the_arrangement_form_before_the_session_plan_is_approved(world, leader):
    session = _session(world)
    assert services.needs_approval(session)
    with pytest.raises(ValidationError, match="R-S15"):
        services.send_arrangement(session, actor=world.secretary_a)
    services.approve(session, actor=leader)
    services.send_arrangement(session, actor=world.secretary_a)
    assert [row.step for row in log_of(session)] == ["approve"]


def test_r_s15_voids_a_session_plans_approval_when_its_agenda_changes_not_when_minutes_are_added(world, leader):
    session = _session(world)
    services.approve(session, actor=leader)
    services.update_session(session, actor=world.secretary_a, summary="会议纪要")
    assert StudySession.objects.get(pk=session.pk).approval_state == Approval.APPROVED
    services.update_session(session, actor=world.secretary_a, agenda=[{"kind": "theory", "title": "换了议题"}])
    assert StudySession.objects.get(pk=session.pk).approval_state == Approval.PENDING


def test_r_s15_needs_no_approval_for_a_branch_meeting(world):
    from pangting.study.models import SessionKind

    meeting = make_session(world.branch_a, kind=SessionKind.BRANCH_COMMITTEE, starts_at=at(2026, 1, 20))
    assert not services.needs_approval(meeting)
    with pytest.raises(ValidationError, match="只有中心组学习会方案"):
        services.record_paper_approval(meeting, actor=world.secretary_a, approved_on=dt.date(2026, 1, 12), scan=_pdf())


# --- pages, to-dos, API ----------------------------------------------------------------------------


def test_r_s15_pages_show_the_state_and_the_steps_each_user_may_take(world, leader, client_for):
    plan, session = _plan(world), _session(world)
    for record, detail in ((plan, "study:plan_detail"), (session, "study:session_detail")):
        url = reverse(detail, args=[record.pk])
        mine = client_for(leader).get(url).content.decode()
        assert "待书记审定" in mine and 'data-testid="step-approve"' in mine
        assert 'data-testid="step-record-paper-approval"' not in mine
        secretary = client_for(world.secretary_a).get(url).content.decode()
        assert 'data-testid="step-record-paper-approval"' in secretary and 'data-testid="step-approve"' not in secretary
        kind = "plan" if record is plan else "session"
        done = client_for(leader).post(
            reverse(f"study:{kind}_approval", args=[record.pk, "approve"]), {"version": record.version, "note": "同意"}
        )
        assert done.status_code == 302
        page = client_for(world.viewer).get(url).content.decode()
        assert "书记已审定" in page and "在系统内审定" in page and 'data-testid="approval-voids"' in page
    refused = client_for(world.secretary_b).post(reverse("study:plan_approval", args=[plan.pk, "void_approval"]))
    assert refused.status_code == 404


def test_r_s15_the_secretary_records_a_paper_approval_through_the_page(world, client_for):
    plan = _plan(world)
    url = reverse("study:plan_approval", args=[plan.pk, "record_paper_approval"])
    secretary = client_for(world.secretary_a)
    bad = secretary.post(url, {"paper_approved_on": "2026-02-01", "approval_scan": _pdf()}, follow=True)
    assert "不能晚于今天" in bad.content.decode()
    secretary.post(url, {"paper_approved_on": "2026-01-12", "approval_scan": _pdf(), "version": plan.version})
    plan.refresh_from_db()
    assert (plan.approval_kind, plan.paper_approved_on) == (ApprovalKind.PAPER, dt.date(2026, 1, 12))
    assert "纸质审定" in secretary.get(reverse("study:plan_detail", args=[plan.pk])).content.decode()


def test_r_s15_lists_what_waits_for_the_leader_in_his_to_dos(world, leader):
    plan, session = _plan(world), _session(world)
    titles = [t.title for t in study_todos(leader)]
    assert any("审定2026年度中心组学习计划" in t for t in titles)
    assert any("审定学习会方案" in t and session.title in t for t in titles)
    services.approve(plan, actor=leader)
    services.approve(session, actor=leader)
    assert not [t for t in study_todos(leader) if "审定" in t.title]
    assert not [t for t in study_todos(world.member) if "审定" in t.title]  # not the leader


def test_r_s15_api_offers_the_steps_and_takes_them(world, leader):
    from rest_framework.test import APIClient

    plan = _plan(world)

    def api(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    url = f"/api/v1/study-plans/{plan.pk}/"
    assert api(leader).get(url).json()["available_steps"] == ["approve"]
    assert api(world.secretary_a).post(url + "approve/", {}).status_code == 404
    body = api(leader).post(url + "approve/", {"note": "同意"}, format="json").json()
    assert (body["approval_state"], body["approval_note"]) == ("approved", "同意")
    assert api(world.secretary_a).post(url + "submit/").status_code == 200
    session = _session(world)
    paper = api(world.secretary_a).post(
        f"/api/v1/study-sessions/{session.pk}/record-paper-approval/",
        {"paper_approved_on": "2026-01-12", "approval_scan": _pdf()},
        format="multipart",
    )
    assert paper.status_code == 200 and paper.json()["approval_kind"] == "paper"
    bad = api(world.secretary_a).post(
        f"/api/v1/study-sessions/{session.pk}/void-approval/", {"version": "x"}, format="json"
    )
    assert bad.status_code == 400


# --- reminders (R-S15) ------------------------------------------------------------------------------


def test_r_s15_reminds_the_leader_of_a_plan_and_a_session_plan_waiting_for_him(world, leader):
    plan = _plan(world)  # due 2026-01-31
    session = _session(world)  # its arrangement form is due before 2026-01-20
    due = session.arrangement_due
    found = [(r.key.split(":")[1], r.stage, r.emails) for r in reminders.due_reminders(due)]
    assert ("session_approval", "due", ["leader_a@example.edu.cn"]) in found
    assert ("plan_approval", "due", ["leader_a@example.edu.cn"]) in [
        (r.key.split(":")[1], r.stage, r.emails) for r in reminders.due_reminders(plan.due_on)
    ]
    services.approve(session, actor=leader)
    assert not [r for r in reminders.due_reminders(due) if ":session_approval:" in r.key]


# --- the compliance check (R-S15) ---------------------------------------------------------------------


def test_r_s15_check_passes_approved_records_and_flags_a_form_sent_then_changed(world, leader):
    session = _session(world)
    services.approve(session, actor=leader)
    services.send_arrangement(session, actor=world.secretary_a)
    assert findings("R-S15", today=dt.date(2026, 2, 1), unit=world.unit_a) == []
    services.update_session(session, actor=world.secretary_a, place="党委会议室")  # voids the approval
    [finding] = findings("R-S15", today=dt.date(2026, 2, 1), unit=world.unit_a)
    assert (finding.key, finding.severity, finding.period, finding.measured["field"]) == (
        f"approval:{session.pk}", "red", "2026-01", "approval_state",
    )  # fmt: skip
    assert "未经书记审定" in finding.message


def test_r_s15_check_flags_a_filed_plan_without_approval_but_not_a_legacy_one(world):
    plan = _plan(world)
    StudyPlan.objects.filter(pk=plan.pk).update(status=StudyPlan.Status.SUBMITTED, submitted_at=NOW)
    [finding] = findings("R-S15", today=dt.date(2026, 2, 1), unit=world.unit_a)
    assert (finding.key, finding.period) == ("plan_approval", "2026")
    StudyPlan.objects.filter(pk=plan.pk).update(approval_legacy=True)  # filed before the rule existed
    assert findings("R-S15", today=dt.date(2026, 2, 1), unit=world.unit_a) == []


def test_r_s15_the_migration_marks_what_was_filed_or_sent_before_as_legacy(world):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("pangting.study.migrations.0013_plan_and_session_approval")
    filed, draft = _plan(world), services.create_plan(world.unit_b, actor=world.secretary_b, year=2026)
    StudyPlan.objects.filter(pk=filed.pk).update(submitted_at=NOW, status=StudyPlan.Status.SUBMITTED)
    sent, unsent = make_session(world.unit_a, starts_at=at(2026, 1, 20)), _session(world)
    services.send_arrangement(sent, actor=world.secretary_a)
    migration.mark_legacy(apps, None)
    legacy = {
        (type(r).__name__, r.pk) for r in (filed, draft, sent, unsent) if type(r).objects.get(pk=r.pk).approval_legacy
    }
    assert legacy == {("StudyPlan", filed.pk), ("StudySession", sent.pk)}


def test_r_s7_reminds_a_member_present_at_a_session_of_his_missing_summary(world):
    world.member_person.email = "member@example.edu.cn"
    world.member_person.save(update_fields=["email"])
    session = make_session(world.unit_a, starts_at=at(2026, 1, 5))
    session.attendances.filter(person=world.member_person).update(status="present", method="manual")
    services.close_attendance(session, actor=world.secretary_a)
    due = dt.date(2026, 1, 12)  # R-S7: summary_days (7) after the session
    found = [(r.key.split(":")[1], r.stage, r.emails) for r in reminders.due_reminders(due)]
    assert ("summary", "due", ["member@example.edu.cn"]) in found
    services.add_reflection(
        world.member_person, actor=world.member, session=session, title="学习体会", text="体会" * 50
    )
    assert not [r for r in reminders.due_reminders(due) if ":summary:" in r.key]
