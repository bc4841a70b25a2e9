"""The observation workflow through its services: lifecycle, deadlines, numbering, bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from pangting.core.system import system_actor
from pangting.core.transitions import run_step
from pangting.observation import services
from pangting.observation.models import (
    Feedback,
    InvitationRequest,
    Mode,
    ObservationRecord,
    Rectification,
    State,
    TeamMember,
    Visit,
)
from pangting.orgs import services as org_services
from pangting.tests.builders import make_person
from pangting.workdays.services import enter_year

from .scenes import FINDINGS, SCORES, planned, session_on, travel, walk

pytestmark = pytest.mark.django_db


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- the whole lifecycle (R-O1 … R-O10) ---------------------------------------------------


def test_it_walks_a_planned_visit_from_plan_to_closed_rectification(world):
    visit = walk(world, State.CLOSED)
    assert visit.state == State.CLOSED
    assert visit.plan is not None and visit.plan.year == 2026  # R-O1: planned visits belong to the year's plan
    # R-O3: the team is the linked leader and the unit's liaison.
    team = {(m.person_id, m.role) for m in visit.team()}
    assert team == {
        (world.leader_person.pk, TeamMember.Role.LEADER),
        (world.liaison_person.pk, TeamMember.Role.LIAISON),
    }
    # Every state was passed through, none skipped, each with who and why.
    path = [(t.from_state, t.to_state) for t in visit.transitions.all()]
    assert path == [
        (State.PLANNED, State.NOTIFIED),
        (State.NOTIFIED, State.SCHEDULED),
        (State.SCHEDULED, State.OBSERVED),
        (State.OBSERVED, State.RECORDED),
        (State.RECORDED, State.FEEDBACK_ISSUED),
        (State.FEEDBACK_ISSUED, State.RECTIFYING),
        (State.RECTIFYING, State.CLOSED),
    ]
    assert all(t.actor_id for t in visit.transitions.all())
    # R-O18: the composite score of the default rubric (four areas of 25).
    record = ObservationRecord.objects.get(visit=visit)
    assert record.composite_score == Decimal("82.5")
    assert not record.filed_late
    # R-O9 / R-O10: the problem became a rectification item, verified.
    item = Rectification.objects.get(visit=visit)
    assert item.status == Rectification.Status.ACCEPTED
    assert "成果转化是否明显" in item.problem


def test_it_closes_at_once_when_the_feedback_finds_no_problem(world):
    visit = walk(world, State.RECTIFYING, problems=False)
    assert visit.state == State.CLOSED  # acknowledged, nothing to fix (R-O10)


# --- deadlines (R-O4, R-O8, R-O9) -----------------------------------------------------------


def test_it_gives_the_reply_until_2026_10_13_for_a_letter_delivered_on_2026_09_28(world):
    visit = walk(world, State.NOTIFIED)
    assert visit.reply_due == dt.date(2026, 10, 13)  # R-O4: 7 working days, National Day and 10-10 included
    assert visit.reply_due_basis["unit"] == "working"
    assert visit.reply_due_basis["start"] == "2026-09-28"
    assert "7个工作日" in visit.reply_due_basis["text"]


def test_it_gives_feedback_until_2026_10_20_for_a_session_on_2026_09_30(world):
    visit = walk(world, State.SCHEDULED)
    assert visit.feedback_due == dt.date(2026, 10, 20)  # R-O9: 10 working days
    assert visit.record_due == dt.date(2026, 10, 3)  # R-O8: 3 calendar days
    assert visit.record_due_basis["unit"] == "calendar"


def test_it_refuses_a_deadline_in_2027_until_the_year_is_entered_then_recomputes(world, sysadmin_holidays_2027):
    with travel("2026-12-20"):
        visit = services.issue_letter(planned(world, semester=2, target_month=12), actor=world.supervisor)
        visit = services.record_delivery(visit, dt.date(2026, 12, 28), actor=world.supervisor)
    assert visit.reply_due is None
    assert "2027年的节假日安排尚未录入" in visit.deadline_warning  # a visible warning, not a guess
    enter_year(2027, actor=world.sysadmin, **sysadmin_holidays_2027)
    visit.refresh_from_db()  # entering the year recomputed it in the same save (issue 10 item 6)
    assert visit.reply_due == dt.date(2027, 1, 7)  # 12-29, 12-30, 12-31, (1-1 holiday) 1-4 … 1-7
    assert visit.deadline_warning == ""
    visit = services.recompute_deadlines(visit, actor=world.supervisor)  # the visit's own action agrees
    assert visit.reply_due == dt.date(2027, 1, 7)


@pytest.fixture
def sysadmin_holidays_2027():
    return {"holidays": {dt.date(2027, 1, 1): "元旦"}, "makeup_workdays": {}}


def test_it_accepts_a_late_reply_and_marks_it_late(world):
    visit = walk(world, State.NOTIFIED)
    with travel("2026-10-15"):
        visit = services.record_reply(visit, session_on(world, "2026-10-20"), actor=world.secretary_a)
    assert visit.state == State.SCHEDULED
    assert visit.reply_late
    assert "逾期" in visit.transitions.last().reason


# --- numbering (R-O4) ---------------------------------------------------------------------------


def test_it_numbers_letters_and_feedback_per_year_without_gaps(world):
    first = walk(world, State.FEEDBACK_ISSUED)
    with travel("2026-10-25"):
        second = services.issue_letter(planned(world, unit=world.unit_a, target_month=11), actor=world.supervisor)
    numbers = [first.letter_number, Feedback.objects.get(visit=first).number, second.letter_number]
    assert numbers == ["示大宣函〔2026〕1号", "示大宣函〔2026〕2号", "示大宣函〔2026〕3号"]
    with travel("2027-01-05"):
        third = services.issue_letter(planned(world, year=2027, semester=1, target_month=3), actor=world.supervisor)
    assert third.letter_number == "示大宣函〔2027〕1号"  # a new year starts again at 1


def test_it_does_not_use_up_a_number_when_issuing_fails(world):
    visit = walk(world, State.RECORDED)
    feedback = services.draft_feedback(visit, actor=world.supervisor)
    checklist = {"theme": {"problem": True, "evidence": "主题不够鲜明"}}
    services.save_feedback(feedback, actor=world.supervisor, checklist=checklist, summary="", suggestions="")
    with travel("2026-10-12"), pytest.raises(ValidationError, match="针对性"):
        services.issue_feedback(feedback, actor=world.supervisor)
    services.save_feedback(feedback, actor=world.supervisor, checklist=checklist, summary="", suggestions="突出主题。")
    with travel("2026-10-12"):
        services.issue_feedback(Feedback.objects.get(pk=feedback.pk), actor=world.supervisor)
    assert Feedback.objects.get(pk=feedback.pk).number == "示大宣函〔2026〕2号"


# --- bad input: each a clear Chinese message ------------------------------------------------------


def test_it_refuses_a_record_for_a_session_that_has_not_happened(world):
    visit = walk(world, State.SCHEDULED)
    with travel("2026-09-30", "10:00"), pytest.raises(ValidationError) as error:
        services.save_record(visit, actor=world.liaison, data=FINDINGS, scores=SCORES, submit=True)
    assert "学习会尚未召开" in messages(error.value)


def test_it_refuses_feedback_before_the_record(world):
    visit = walk(world, State.OBSERVED)
    with pytest.raises(ValidationError) as error:
        services.draft_feedback(visit, actor=world.supervisor)
    assert "请先完成列席旁听记录" in messages(error.value)
    with pytest.raises(ValidationError, match="不能办理“印发反馈意见”"):
        run_step(visit, "issue_feedback", actor=world.supervisor)


def test_it_refuses_a_second_active_visit_for_the_same_session(world):
    visit = walk(world, State.SCHEDULED)
    with travel("2026-09-25"):
        other = services.issue_letter(planned(world, target_month=10), actor=world.supervisor)
    with travel("2026-09-29"), pytest.raises(ValidationError) as error:
        services.record_reply(other, visit.session, actor=world.secretary_a)
    assert "已有进行中的巡听旁听安排" in messages(error.value)


def test_it_refuses_a_team_member_from_the_observed_unit(world):
    with pytest.raises(ValidationError) as error:
        planned(
            world,
            team=[(world.leader_person, TeamMember.Role.LEADER), (world.member_person, TeamMember.Role.MEMBER)],
        )
    assert "陈成员属于被旁听单位，不能旁听本单位的学习" in messages(error.value)


def test_it_refuses_a_leader_with_a_recorded_conflict(world):
    org_services.record_conflict(world.leader_person, world.unit_a, actor=system_actor(), reason="亲属在该学院任职")
    other = make_person("钱副校长", world.root, post="副校长", is_school_leader=True)
    with pytest.raises(ValidationError) as error:
        planned(world, team=[(world.leader_person, TeamMember.Role.LEADER)])
    assert "存在回避关系" in messages(error.value)
    # By default the conflicted leader is not proposed (R-O3): without another leader the team is refused.
    assert services.propose_team(world.unit_a) == [(world.liaison_person, TeamMember.Role.LIAISON)]
    visit = planned(world, team=[(other, TeamMember.Role.LEADER), (world.liaison_person, TeamMember.Role.LIAISON)])
    assert visit.team_members.count() == 2


def test_it_requires_a_reason_to_cancel(world):
    visit = walk(world, State.PLANNED)
    with pytest.raises(ValidationError, match="须说明原因"):
        services.cancel_visit(visit, actor=world.supervisor, reason=" ")
    services.cancel_visit(visit, actor=world.supervisor, reason="单位调整学习安排")
    assert Visit.objects.get(pk=visit.pk).state == State.CANCELLED


def test_it_lets_the_liaison_resubmit_a_filed_record_before_sign_off(world):
    visit = walk(world, State.RECORDED)
    with travel("2026-10-05"):
        record = services.save_record(visit, actor=world.liaison, data=FINDINGS, scores=SCORES, submit=True)
    assert Visit.objects.get(pk=visit.pk).state == State.RECORDED
    assert record.filed_at.date() == dt.date(2026, 10, 2)  # the first filing time stays (R-O8 lateness)


# --- invited visits (R-O2) ---------------------------------------------------------------------------


def test_it_turns_an_accepted_invitation_into_a_scheduled_invited_visit(world):
    with travel("2026-11-02"):
        session = session_on(world, "2026-11-20")
        invitation = services.request_invitation(session, actor=world.secretary_a, message="欢迎指导")
        with pytest.raises(ValidationError, match="请勿重复提交"):
            services.request_invitation(session, actor=world.secretary_a)
        invitation = services.decide_invitation(invitation, accept=True, actor=world.supervisor)
    visit = invitation.visit
    assert invitation.status == InvitationRequest.Status.ACCEPTED
    assert visit.mode == Mode.INVITED and visit.state == State.SCHEDULED and visit.session == session
    assert (visit.year, visit.semester, visit.target_month) == (2026, 2, 11)
    assert visit.feedback_due is not None


def test_it_needs_a_reason_to_decline_an_invitation(world):
    with travel("2026-11-02"):
        invitation = services.request_invitation(session_on(world, "2026-11-20"), actor=world.secretary_a)
        with pytest.raises(ValidationError, match="婉拒邀请须说明理由"):
            services.decide_invitation(invitation, accept=False, actor=world.supervisor)
        services.decide_invitation(invitation, accept=False, actor=world.supervisor, reason="当月已安排固定式旁听")
    assert InvitationRequest.objects.get(pk=invitation.pk).status == InvitationRequest.Status.DECLINED


# --- cross-observation (R-O13) -----------------------------------------------------------------------


def test_it_counts_cross_observation_both_ways_and_dates_the_report(world):
    with travel("2026-10-08"):
        cross = services.invite_cross_observation(
            world.unit_a, world.unit_b, actor=world.secretary_a, session=session_on(world, "2026-10-09")
        )
    assert (cross.year, cross.semester) == (2026, 2)
    assert cross.report_due == dt.date(2026, 10, 12)  # 3 calendar days
    with travel("2026-10-14"):
        services.report_cross_observation(cross, actor=world.secretary_b, report="学习组织有序，研讨深入。")
    cross.refresh_from_db()
    assert cross.reported_late
    counts = {
        row["unit"].pk: (row["hosted"], row["visited"])
        for row in services.cross_counts(2026, 2, [world.unit_a, world.unit_b])
    }
    assert counts == {world.unit_a.pk: (1, 0), world.unit_b.pk: (0, 1)}


def test_it_lets_only_the_visiting_unit_report(world):
    with travel("2026-10-08"):
        cross = services.invite_cross_observation(world.unit_a, world.unit_b, actor=world.secretary_a)
    with pytest.raises(Http404):  # the step's permission comes first: not found, nothing revealed
        services.report_cross_observation(cross, actor=world.secretary_a, report="……")
    with pytest.raises(ValidationError, match="本单位"):
        services.invite_cross_observation(world.unit_a, world.unit_a, actor=world.secretary_a)


def test_it_refuses_invitations_and_cross_observations_from_outside_the_unit(world):
    with travel("2026-11-02"):
        invitation = services.request_invitation(session_on(world, "2026-11-20"), actor=world.secretary_a)
        with pytest.raises(Http404):
            services.decide_invitation(invitation, accept=True, actor=world.secretary_a)
        with pytest.raises(ValidationError, match="无权为该单位发出邀请"):
            services.request_invitation(session_on(world, "2026-11-21"), actor=world.secretary_b)
    with pytest.raises(ValidationError, match="只有邀请单位或宣传部"):
        services.invite_cross_observation(world.unit_a, world.unit_b, actor=world.secretary_b)
