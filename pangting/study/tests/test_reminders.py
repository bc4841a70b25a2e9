"""Study-side reminders (R-S1, R-S10, R-S3) through the outbox: who owes the step is told, once per stage."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from pangting.core.models import OutboxMessage
from pangting.core.system import system_actor
from pangting.study import reminders, services
from pangting.study.models import StudyPlan
from pangting.study.tests.builders import at, make_session

pytestmark = pytest.mark.django_db

SECRETARY = "secretary_a@example.edu.cn"
LIAISON = "liaison@example.edu.cn"


@pytest.fixture
def emails(world):
    for name in ("supervisor", "secretary_a", "secretary_b", "liaison"):
        user = getattr(world, name)
        user.email = f"{name}@example.edu.cn"
        user.save(update_fields=["email"])
    world.member_person.email = "member@example.edu.cn"
    world.member_person.save(update_fields=["email"])
    return world


def _kinds(day: dt.date) -> list[tuple[str, str, list[str]]]:
    return [(r.key.split(":")[1], r.stage, r.emails) for r in reminders.due_reminders(day)]


def test_it_reminds_the_secretary_of_the_arrangement_form_before_on_and_after_its_due_day(emails):
    session = make_session(emails.unit_a, starts_at=at(2026, 11, 25))  # R-S10: due 2026-11-23
    assert session.arrangement_due == dt.date(2026, 11, 23)
    assert _kinds(dt.date(2026, 11, 20)) == []
    assert _kinds(dt.date(2026, 11, 21)) == [("arrangement", "before", [SECRETARY])]
    assert _kinds(dt.date(2026, 11, 23)) == [("arrangement", "due", [SECRETARY])]
    (reminder,) = reminders.due_reminders(dt.date(2026, 11, 24))
    assert reminder.stage == "overdue-0" and "2026年11月23日" in reminder.body and "会前2天" in reminder.body
    services.send_arrangement(session, actor=emails.secretary_a, at=at(2026, 11, 24, 9))
    # Sent to the liaison: the secretary owes nothing, the liaison owes passing it on (R-S10).
    assert [(k, e) for k, _s, e in _kinds(dt.date(2026, 11, 24))] == [("arrangement", [LIAISON])]
    services.forward_arrangement(session, actor=emails.liaison, at=at(2026, 11, 24, 10))
    assert _kinds(dt.date(2026, 11, 24)) == []  # with the leader: nothing owed


def test_it_reminds_of_the_report_only_after_the_session_and_queues_each_stage_once(emails):
    make_session(emails.unit_a, starts_at=at(2026, 11, 25))
    services_day = dt.date(2026, 11, 27)  # report due two days after
    with time_machine.travel(at(2026, 11, 27, 8), tick=False):
        first = reminders.send_reminders(services_day)
        second = reminders.send_reminders(services_day)
    assert [k for k, _s, _e in _kinds(services_day)] == ["arrangement", "report"]
    assert first.queued == 2 and first.delivery.sent == {"email": 2}
    assert (second.queued, second.skipped) == (0, 2) and len(mail.outbox) == 2
    assert {m.to[0] for m in mail.outbox} == {SECRETARY}
    assert any("会后报送" in m.subject and "今日到期" in m.subject for m in mail.outbox)


def test_it_reminds_the_member_on_leave_and_the_secretary_of_make_up_study(emails):
    session = make_session(emails.unit_a, starts_at=at(2026, 11, 2))
    row = services.record_attendance(
        session, emails.member_person, actor=emails.secretary_a, status="leave", leave_reason="出差"
    )
    due = dt.date(2026, 11, 16)  # R-S3: 14 days after the session
    found = [r for r in reminders.due_reminders(due) if ":makeup:" in r.key]
    assert [(r.stage, r.emails) for r in found] == [("due", ["member@example.edu.cn", SECRETARY])]
    assert "陈成员补学" in found[0].subject
    services.record_makeup(row, actor=emails.secretary_a, done_on=dt.date(2026, 11, 10), note="自学材料")
    assert not [r for r in reminders.due_reminders(due) if ":makeup:" in r.key]


def test_it_reminds_of_an_unfiled_plan_but_not_of_a_filed_one(emails):
    plan = services.create_plan(emails.unit_a, actor=system_actor(), year=2026, themes=[])
    due = plan.due_on
    assert [(k, s) for k, s, _e in _kinds(due)] == [("plan", "due")]
    StudyPlan.objects.filter(pk=plan.pk).update(status=StudyPlan.Status.SUBMITTED)
    assert _kinds(due) == []


def test_a_step_nobody_can_receive_is_counted_not_sent(world):
    make_session(world.unit_b, starts_at=at(2026, 11, 25))  # unit B's secretary has no address
    result = reminders.send_reminders(dt.date(2026, 11, 23))
    assert (result.queued, result.no_recipient) == (0, 1) and mail.outbox == []
    assert OutboxMessage.objects.get().state == "no_recipient"


def test_other_steps_plug_in_through_a_registered_source(emails):
    def trainings(today):
        yield reminders.Owed("training", 7, emails.unit_a, "举办学习秘书培训", today, "/study/trainings/",
                             [emails.secretary_a])  # fmt: skip

    reminders.register_source("test-training", trainings)
    try:
        assert ("training", "due", [SECRETARY]) in _kinds(dt.date(2026, 12, 1))
    finally:
        reminders._sources.pop("test-training")


def test_the_command_lists_in_a_dry_run_without_queuing(emails):
    make_session(emails.unit_a, starts_at=at(2026, 11, 25))
    out = io.StringIO()
    call_command("send_study_reminders", "--dry-run", "--date", "2026-11-23", stdout=out)
    assert "学习安排报送表" in out.getvalue() and "将入队1条" in out.getvalue()
    assert not OutboxMessage.objects.exists()
    with pytest.raises(Exception, match="日期"):
        call_command("send_study_reminders", "--date", "2026-13-01", stdout=io.StringIO())


def test_the_timer_queues_the_run_and_the_job_sends_what_the_command_would(emails):
    from pangting.core import jobs
    from pangting.core.models import Job

    make_session(emails.unit_a, starts_at=at(2026, 11, 25))
    out = io.StringIO()
    call_command("send_study_reminders", "--enqueue", "--date", "2026-11-23", stdout=out)
    job = Job.objects.get(kind="study.reminders")
    assert str(job.pk) in out.getvalue() and not OutboxMessage.objects.exists()
    jobs.run_job.call(str(job.pk))  # the worker's call, in this test's transaction
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert OutboxMessage.objects.filter(subject__contains="学习安排报送表").count() == 1
