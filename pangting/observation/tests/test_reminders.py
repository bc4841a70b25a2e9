"""Daily reminders (issue item 11): who is reminded, when, once, through the core outbox; no network."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from pangting.core import outbox_channels
from pangting.core.models import OutboxMessage
from pangting.core.system import system_actor
from pangting.observation import reminders, services
from pangting.observation.models import Rectification, State
from pangting.tests.test_i18n import english_catalog  # noqa: F401  (fixture)

from .scenes import session_on, travel, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def emails(world):
    """Give the personas addresses: some on the account, one only in the directory."""
    for name in ("supervisor", "liaison", "secretary_a", "secretary_b", "leader"):
        user = getattr(world, name)
        user.email = f"{name}@example.edu.cn"
        user.save(update_fields=["email"])
    world.member_person.email = "member@example.edu.cn"
    world.member_person.save(update_fields=["email"])
    return world


def only_the_secretary(world):
    """The reply reminder goes to the unit's liaison and its secretary (R-O4); the tests of the
    outbox's mechanics count one recipient's messages, so the liaison's account is inactive here."""
    world.liaison.is_active = False
    world.liaison.save(update_fields=["is_active"])
    return world


class FakeRobot:
    """Stands in for urlopen: records each request, answers like DingTalk/WeCom."""

    def __init__(self, fail: bool = False) -> None:
        self.requests: list = []
        self.fail = fail

    def __call__(self, request, timeout=None):
        self.requests.append((request, timeout))
        if self.fail:
            raise OSError("network unreachable")
        return io.BytesIO(b'{"errcode": 0, "errmsg": "ok"}')


def test_it_reminds_the_units_liaison_and_secretary_of_the_reply_two_days_before_on_the_day_and_after(emails):
    """R-O4: both may send the reply, both are reminded."""
    visit = walk(emails, State.NOTIFIED)  # reply due 2026-10-13
    assert visit.reply_due == dt.date(2026, 10, 13)
    assert [r.stage for r in reminders.due_reminders(dt.date(2026, 10, 10))] == []
    for day, stage in [
        (dt.date(2026, 10, 11), "before"),
        (dt.date(2026, 10, 13), "due"),
        (dt.date(2026, 10, 14), "overdue-0"),
    ]:
        found = reminders.due_reminders(day)
        assert [(r.stage, r.emails) for r in found] == [
            (stage, ["liaison@example.edu.cn", "secretary_a@example.edu.cn"])
        ]
    assert "2026年10月13日" in found[0].body and "7个工作日" in found[0].body


def test_it_queues_once_per_stage_so_a_second_run_the_same_day_sends_nothing(emails):
    walk(emails, State.NOTIFIED)
    only_the_secretary(emails)
    first = reminders.send_reminders(dt.date(2026, 10, 12))
    assert (first.queued, first.delivery.sent) == (1, {"email": 1}) and len(mail.outbox) == 1
    assert mail.outbox[0].to == ["secretary_a@example.edu.cn"]
    assert "巡听旁听" in mail.outbox[0].subject
    row = OutboxMessage.objects.get()
    assert (row.state, row.recipient, row.address) == ("sent", emails.secretary_a, "secretary_a@example.edu.cn")
    second = reminders.send_reminders(dt.date(2026, 10, 12))
    assert (second.queued, second.skipped, second.delivery.sent) == (0, 1, {}) and len(mail.outbox) == 1
    assert reminders.send_reminders(dt.date(2026, 10, 13)).delivery.sent == {"email": 1}  # the next stage is new
    assert OutboxMessage.objects.filter(state="sent").count() == 2


@override_settings(EMAIL_BACKEND="pangting.tests.test_outbox.BrokenBackend")
def test_it_keeps_a_reminder_whose_mail_failed_and_sends_it_on_a_later_run(emails):
    walk(emails, State.NOTIFIED)
    only_the_secretary(emails)
    with travel("2026-10-13", "07:30"):
        result = reminders.send_reminders(dt.date(2026, 10, 13))
    assert result.delivery.retry == {"email": 1} and result.delivery.sent == {}
    assert OutboxMessage.objects.get().state == "pending"
    locmem = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    with locmem, travel("2026-10-13", "11:30"):  # a later run the same day: nothing new, the retry goes out
        again = reminders.send_reminders(dt.date(2026, 10, 13))
    assert (again.queued, again.skipped, again.delivery.sent) == (0, 1, {"email": 1})
    assert mail.outbox[0].to == ["secretary_a@example.edu.cn"]


def test_it_counts_a_reminder_nobody_can_receive_as_no_recipient_not_as_sent(emails):
    walk(emails, State.NOTIFIED)
    only_the_secretary(emails)
    emails.secretary_a.email = ""
    emails.secretary_a.save(update_fields=["email"])
    result = reminders.send_reminders(dt.date(2026, 10, 13))
    assert (result.queued, result.no_recipient, result.delivery.sent) == (0, 1, {})
    assert mail.outbox == [] and OutboxMessage.objects.get().state == "no_recipient"


def test_it_reminds_the_liaison_of_the_record_and_the_supervisor_of_the_feedback(emails):
    visit = walk(emails, State.OBSERVED)  # record due 2026-10-03, feedback due 2026-10-20
    record = [r for r in reminders.due_reminders(dt.date(2026, 10, 3)) if r.key.startswith("record:")]
    assert [r.emails for r in record] == [["liaison@example.edu.cn"]]
    scores = dict.fromkeys(["organization", "content", "method", "effect"], 90)
    services.save_record(
        visit, actor=system_actor(), data=dict.fromkeys(services.RECORD_FIELDS, "好"), scores=scores, submit=True
    )
    feedback = [r for r in reminders.due_reminders(dt.date(2026, 10, 19)) if r.key.startswith("feedback:")]
    assert [r.emails for r in feedback] == [["supervisor@example.edu.cn"]]


def test_it_reminds_the_owner_and_secretary_of_an_overdue_rectification_weekly(emails):
    visit = walk(emails, State.RECTIFYING)
    item = Rectification.objects.get(visit=visit)
    with travel("2026-10-20"):
        services.plan_rectification(
            item,
            actor=emails.secretary_a,
            measure="建立清单",
            owner=emails.member_person,
            deadline=dt.date(2026, 11, 2),
        )
    found = [r for r in reminders.due_reminders(dt.date(2026, 11, 3)) if r.key.startswith("rectification:")]
    assert found[0].stage == "overdue-0-unit"  # R-O10: first the unit
    assert found[0].emails == ["member@example.edu.cn", "secretary_a@example.edu.cn"]  # owner by the directory
    # 6 working days overdue: past `escalate_leader_days` (5), the linked leader is reminded too
    assert [r.stage for r in reminders.due_reminders(dt.date(2026, 11, 10)) if r.key.startswith("rect")] == [
        "overdue-1-leader"
    ]


def test_it_reminds_the_visiting_unit_of_its_cross_observation_report(emails):
    with travel("2026-10-08"):
        services.invite_cross_observation(
            emails.unit_a, emails.unit_b, actor=emails.secretary_a, session=session_on(emails, "2026-10-09")
        )
    found = reminders.due_reminders(dt.date(2026, 10, 12))
    assert [(r.stage, r.emails) for r in found] == [("due", ["secretary_b@example.edu.cn"])]


@override_settings(PANGTING_DINGTALK_WEBHOOK="https://oapi.dingtalk.com/robot/send?access_token=t")
def test_it_posts_a_digest_to_the_robot_through_the_outbox(emails, monkeypatch):
    robot = FakeRobot()
    monkeypatch.setattr(outbox_channels, "urlopen", robot)
    walk(emails, State.NOTIFIED)
    only_the_secretary(emails)
    result = reminders.send_reminders(dt.date(2026, 10, 13))
    assert result.delivery.sent == {"dingtalk": 1, "email": 1}
    ((request, timeout),) = robot.requests
    payload = json.loads(request.data.decode("utf-8"))
    assert payload["msgtype"] == "text"
    content = payload["text"]["content"]
    assert content.startswith("巡听旁听提醒（2026年10月13日）")
    assert "今日到期" in content and "张秘书" in content
    assert timeout == outbox_channels.WEBHOOK_TIMEOUT
    assert sorted(OutboxMessage.objects.filter(state="sent").values_list("channel", flat=True)) == ["dingtalk", "email"]


@override_settings(PANGTING_WECOM_WEBHOOK="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
def test_it_survives_a_robot_that_is_down_and_retries_it_later(emails, monkeypatch):
    monkeypatch.setattr(outbox_channels, "urlopen", FakeRobot(fail=True))
    walk(emails, State.NOTIFIED)
    only_the_secretary(emails)
    result = reminders.send_reminders(dt.date(2026, 10, 13))
    assert result.delivery.retry == {"wecom": 1} and result.delivery.sent == {"email": 1}
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get(channel="wecom").state == "pending"


@override_settings(PANGTING_SMS_GATEWAY_URL="https://sms.example.edu.cn/send")
def test_it_sends_an_sms_to_each_recipients_directory_phone_when_a_gateway_is_configured(emails, monkeypatch):
    gateway = FakeRobot()
    monkeypatch.setattr(outbox_channels, "urlopen", gateway)
    walk(emails, State.NOTIFIED)
    only_the_secretary(emails)
    result = reminders.send_reminders(dt.date(2026, 10, 13))
    assert result.delivery.sent == {"email": 1, "sms": 1}
    ((request, _timeout),) = gateway.requests
    payload = json.loads(request.data.decode("utf-8"))
    assert payload["phone"] == emails.secretary_a_person.phone
    assert "今日到期" in payload["content"] and "2026年10月13日" in payload["content"]


def test_the_command_has_a_dry_run_and_a_date_and_counts_each_state(emails):
    walk(emails, State.NOTIFIED)
    only_the_secretary(emails)
    out, err = io.StringIO(), io.StringIO()
    call_command("send_reminders", "--dry-run", "--date", "2026-10-13", stdout=out)
    assert "[演练]" in out.getvalue() and "将入队1条消息" in out.getvalue()
    assert OutboxMessage.objects.count() == 0 and mail.outbox == []
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-10-13", stdout=out, stderr=err)
    assert "到期提醒1条：新入队1条消息，无收件地址0条（不发送），已入队过0条。" in out.getvalue()
    assert "邮件：已发送1条，失败稍后重试0条，多次失败放弃0条。" in out.getvalue()
    assert OutboxMessage.objects.count() == 1
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-10-13", stdout=out, stderr=err)
    assert "新入队0条消息" in out.getvalue() and "已入队过1条" in out.getvalue()
    assert "没有到期待发的消息。" in out.getvalue() and err.getvalue() == ""
    with pytest.raises(Exception, match="日期"):
        call_command("send_reminders", "--date", "2026-13-01", stdout=out)


@override_settings(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
def test_the_command_says_printed_with_the_console_backend(emails, capsys):
    walk(emails, State.NOTIFIED)
    only_the_secretary(emails)
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-10-13", stdout=out)
    assert "邮件：已打印（控制台邮件后端，未实际发出）1条" in out.getvalue()
    assert "已发送" not in out.getvalue()


def test_reminders_are_written_in_the_site_language_even_when_english_is_active(emails, english_catalog):  # noqa: F811
    """Issue 16: people have no language setting, so reminders use settings.LANGUAGE_CODE (Chinese)."""
    from django.utils import translation

    from pangting.accounts.reminders import robot_line

    walk(emails, State.NOTIFIED)  # reply due 2026-10-13
    with translation.override("en"):
        [reminder] = reminders.due_reminders(dt.date(2026, 10, 13))
        line = robot_line(reminder)
        heading = reminders.robot_heading(dt.date(2026, 10, 13))
        english_stage = reminder.stage_text

    assert reminder.subject.startswith("【巡听旁听·今日到期】")
    assert "截止日期：2026年10月13日（今日到期）" in reminder.body
    assert "本邮件由旁听系统自动发送，请勿直接回复。" in reminder.body
    assert line.startswith(f"· {reminder.headline} —— ") and reminder.headline in reminder.subject
    assert heading == "巡听旁听提醒（2026年10月13日）"
    assert english_stage == "Due today"  # the labels themselves are translated


def test_the_timer_queues_the_reminders_and_the_job_sends_what_the_command_would(emails):
    # The worker's own loop is exercised by core/tests/test_jobs.py and the compliance and text-scan
    # jobs; here the job is run as the worker calls it, in this test's transaction.
    from pangting.core import jobs
    from pangting.core.models import Job

    walk(emails, State.NOTIFIED)
    only_the_secretary(emails)
    out = io.StringIO()
    with travel("2026-10-13", "07:30"):  # the morning timer and its worker, on the reply's due day
        call_command("send_reminders", "--enqueue", "--date", "2026-10-13", stdout=out)
        job = Job.objects.get(kind="observation.reminders")
        assert str(job.pk) in out.getvalue() and job.params == {"date": "2026-10-13"}
        assert OutboxMessage.objects.count() == 0  # queued, not sent here
        jobs.run_job.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and OutboxMessage.objects.count() == 1 and len(mail.outbox) == 1
    with pytest.raises(Exception, match="--dry-run"):
        call_command("send_reminders", "--enqueue", "--dry-run", stdout=out)
