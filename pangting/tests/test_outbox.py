"""The core outbox: a message is sent only after delivery succeeded; failures retry, then give up."""

from __future__ import annotations

import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from pangting.core import outbox, outbox_channels
from pangting.core.models import OutboxMessage

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 10, 13, 7, 30, tzinfo=TZ)
State = OutboxMessage.State


class BrokenBackend:
    """An e-mail backend whose server refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP server unreachable")


class FakeRobot:
    def __init__(self, fail: bool = False) -> None:
        self.requests: list = []
        self.fail = fail

    def __call__(self, request, timeout=None):
        self.requests.append((request, timeout))
        if self.fail:
            raise OSError("network unreachable")
        return io.BytesIO(b'{"errcode": 0, "errmsg": "ok"}')


def queue(world, key="k1", address="secretary_a@example.edu.cn", channel="email"):
    return outbox.enqueue(
        dedup_key=key, channel=channel, recipient=world.secretary_a, address=address, subject="主题", body="正文"
    )


def test_it_marks_a_message_sent_only_after_the_backend_took_it(world):
    with time_machine.travel(START, tick=False):
        row = queue(world).message
        assert row.state == State.PENDING and row.sent_at is None
        result = outbox.deliver_due()
    row.refresh_from_db()
    assert result.sent == {"email": 1}
    assert (row.state, row.attempts, row.sent_at) == (State.SENT, 1, START)
    assert mail.outbox[0].to == ["secretary_a@example.edu.cn"] and mail.outbox[0].subject == "主题"
    assert outbox.deliver_due(START + dt.timedelta(days=1)).sent == {}  # a sent row is never sent again


@override_settings(EMAIL_BACKEND="pangting.tests.test_outbox.BrokenBackend")
def test_it_retries_a_failed_message_with_exponential_backoff_then_gives_up(world):
    with time_machine.travel(START, tick=False):
        row = queue(world).message
        assert outbox.deliver_due().retry == {"email": 1}
    row.refresh_from_db()
    assert (row.state, row.attempts, row.sent_at) == (State.PENDING, 1, None)
    assert "SMTP server unreachable" in row.last_error
    assert row.next_attempt_at == START + outbox.BACKOFF_BASE
    # Not due before its time: nothing is attempted a minute early.
    assert outbox.deliver_due(row.next_attempt_at - dt.timedelta(minutes=1)).retry == {}
    waits = [outbox.BACKOFF_BASE]
    for attempt in range(2, outbox.MAX_ATTEMPTS + 1):
        now = row.next_attempt_at
        with time_machine.travel(now, tick=False):
            result = outbox.deliver_due()
        row.refresh_from_db()
        assert row.attempts == attempt
        if attempt < outbox.MAX_ATTEMPTS:
            assert result.retry == {"email": 1}
            waits.append(row.next_attempt_at - now)
    assert waits == [outbox.BACKOFF_BASE * 2**n for n in range(outbox.MAX_ATTEMPTS - 1)]  # doubles each time
    assert result.failed == {"email": 1} and row.state == State.FAILED and row.sent_at is None
    assert outbox.deliver_due(START + dt.timedelta(days=30)).failed == {}  # given up for good


def test_it_delivers_a_retried_message_once_the_backend_recovers(world):
    with time_machine.travel(START, tick=False):
        row = queue(world).message
        with override_settings(EMAIL_BACKEND="pangting.tests.test_outbox.BrokenBackend"):
            outbox.deliver_due()
    later = START + outbox.BACKOFF_BASE
    with time_machine.travel(later, tick=False):
        assert outbox.deliver_due().sent == {"email": 1}
    row.refresh_from_db()
    assert (row.state, row.attempts, row.sent_at, row.last_error) == (State.SENT, 2, later, "")


def test_it_never_sends_or_counts_as_sent_a_message_without_an_address(world):
    row = queue(world, address="").message
    assert row.state == State.NO_RECIPIENT
    result = outbox.deliver_due()
    assert result.sent == {} and mail.outbox == []
    row.refresh_from_db()
    assert (row.state, row.attempts, row.sent_at) == (State.NO_RECIPIENT, 0, None)


def test_it_queues_the_same_dedup_key_once(world):
    assert queue(world).created is True
    second = queue(world, address="other@example.edu.cn")
    assert second.created is False and second.message.address == "secretary_a@example.edu.cn"
    assert OutboxMessage.objects.count() == 1


def test_it_refuses_an_unregistered_channel(world):
    with pytest.raises(ValueError, match="carrier-pigeon"):
        queue(world, channel="carrier-pigeon")


@override_settings(PANGTING_DINGTALK_WEBHOOK="https://oapi.dingtalk.com/robot/send?access_token=t")
def test_it_posts_robot_rows_as_one_digest_per_heading_and_keeps_the_token_out_of_the_rows(world, monkeypatch):
    robot = FakeRobot()
    monkeypatch.setattr(outbox_channels, "urlopen", robot)
    for n in range(3):
        outbox.enqueue(dedup_key=f"r{n}", channel="dingtalk", address="dingtalk", subject="提醒（今天）", body=f"· {n}")
    assert outbox.deliver_due().sent == {"dingtalk": 3}
    ((request, timeout),) = robot.requests
    assert json.loads(request.data.decode("utf-8"))["text"]["content"] == "提醒（今天）\n· 0\n· 1\n· 2"
    assert timeout == outbox_channels.WEBHOOK_TIMEOUT
    assert not OutboxMessage.objects.filter(address__contains="access_token").exists()


@override_settings(PANGTING_WECOM_WEBHOOK="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
def test_it_keeps_robot_rows_pending_when_the_robot_is_down(world, monkeypatch):
    monkeypatch.setattr(outbox_channels, "urlopen", FakeRobot(fail=True))
    outbox.enqueue(dedup_key="r", channel="wecom", address="wecom", subject="提醒", body="· 1")
    assert outbox.deliver_due().retry == {"wecom": 1}
    row = OutboxMessage.objects.get()
    assert row.state == State.PENDING and "network unreachable" in row.last_error


@override_settings(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
def test_it_says_printed_not_sent_with_the_console_backend(world):
    queue(world)
    result = outbox.deliver_due()
    assert outbox.summary(result) == [
        ("邮件：已打印（控制台邮件后端，未实际发出）1条，失败稍后重试0条，多次失败放弃0条。", True)
    ]


def test_the_deliver_command_reports_sent_and_retried_honestly(world):
    queue(world, key="ok")
    out, err = io.StringIO(), io.StringIO()
    call_command("deliver_outbox", stdout=out, stderr=err)
    assert "邮件：已发送1条，失败稍后重试0条，多次失败放弃0条。" in out.getvalue() and err.getvalue() == ""
    queue(world, key="bad")
    with override_settings(EMAIL_BACKEND="pangting.tests.test_outbox.BrokenBackend"):
        call_command("deliver_outbox", stdout=out, stderr=err)
    assert "邮件：已发送0条，失败稍后重试1条，多次失败放弃0条。" in err.getvalue()


def test_it_never_hands_a_claimed_message_to_a_second_run_and_a_dead_run_releases_it_later(world, monkeypatch):
    """A run that is still delivering holds its rows; one that died lets them fall due after the lease."""
    nested: list = []

    class Probe:
        label = "探针"

        def deliver(self, messages):
            nested.append(outbox.deliver_due(START, channels=["probe"]))  # a second run meanwhile
            return [None] * len(messages)

        def delivered_verb(self):
            return "已发送"

    monkeypatch.setitem(outbox._channels, "probe", Probe())
    with time_machine.travel(START, tick=False):
        outbox.enqueue(dedup_key="p1", channel="probe", address="x", subject="s", body="b")
        outbox.enqueue(dedup_key="p2", channel="probe", address="x", subject="s", body="b")
        outbox.enqueue(dedup_key="p3", channel="probe", address="x", subject="s", body="b")
    assert outbox.deliver_due(START + dt.timedelta(seconds=1), channels=["probe"]).sent == {"probe": 3}
    assert nested[0].sent == {} and len(nested) == 1
    # A run that claimed a row and died: nothing before the lease ends, then the row is due again.
    OutboxMessage.objects.filter(dedup_key="p3").update(state=State.PENDING, next_attempt_at=START)
    claimed_at = START + dt.timedelta(minutes=1)
    assert [m.dedup_key for m in outbox.claim("probe", claimed_at)] == ["p3"]
    assert outbox.claim("probe", claimed_at + outbox.CLAIM_LEASE - dt.timedelta(seconds=1)) == []
    assert [m.dedup_key for m in outbox.claim("probe", claimed_at + outbox.CLAIM_LEASE)] == ["p3"]
