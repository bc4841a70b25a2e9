"""The SMS reminder channel against a real fake HTTP gateway (issue 16 part 4).

Delivered rows are marked sent; a gateway 500 leaves the row for the outbox's retry with
backoff; a timeout is recorded on the row; phone numbers never appear unmasked in the logs.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine

from pangting.core import outbox, outbox_channels
from pangting.core.models import OutboxMessage

PHONE = "13900000001"
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class FakeGateway:
    """An HTTP server on 127.0.0.1 that records each POST and answers `status` after `delay` seconds."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.answer: dict[str, Any] = {"errcode": 0}
        self.delay = 0.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                gateway.received.append(
                    {"body": json.loads(self.rfile.read(length)), "authorization": self.headers.get("Authorization")}
                )
                time.sleep(gateway.delay)
                payload = json.dumps(gateway.answer).encode()
                try:
                    self.send_response(gateway.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (the timeout test)
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def gateway_server() -> Iterator[FakeGateway]:
    server = FakeGateway()
    yield server
    server.stop()


@pytest.fixture
def gateway(gateway_server: FakeGateway, settings) -> FakeGateway:
    settings.PANGTING_SMS_GATEWAY_URL = gateway_server.url
    settings.PANGTING_SMS_GATEWAY_TOKEN = "gateway-token"
    settings.PANGTING_SMS_BODY_TEMPLATE = '{"phone": "$phone", "content": "$text", "meta": {"title": "$subject"}}'
    settings.PANGTING_SMS_TIMEOUT_SECONDS = 2
    gateway_server.received.clear()
    gateway_server.status, gateway_server.answer, gateway_server.delay = 200, {"errcode": 0}, 0.0
    return gateway_server


def queue(key: str = "sms-1", text: str = "请于3月5日前报送学习安排") -> OutboxMessage:
    done = outbox.enqueue(dedup_key=key, channel="sms", subject="巡听旁听提醒", body=text, address=PHONE)
    assert done.message is not None
    return done.message


@pytest.mark.django_db
def test_it_posts_the_templated_json_and_marks_the_row_sent(gateway) -> None:
    with time_machine.travel(NOW, tick=False):
        row = queue(text='他说"明天"到')
        result = outbox.deliver_due(channels=["sms"])
    row.refresh_from_db()
    assert row.state == OutboxMessage.State.SENT and row.attempts == 1
    assert result.sent == {"sms": 1}
    [call] = gateway.received
    assert call["body"] == {"phone": PHONE, "content": '他说"明天"到', "meta": {"title": "巡听旁听提醒"}}
    assert call["authorization"] == "Bearer gateway-token"


@pytest.mark.django_db
def test_a_gateway_500_is_retried_by_the_outbox_after_its_backoff(gateway) -> None:
    gateway.status = 500
    with time_machine.travel(NOW, tick=False):
        row = queue()
        result = outbox.deliver_due(channels=["sms"])
    row.refresh_from_db()
    assert result.retry == {"sms": 1}
    assert row.state == OutboxMessage.State.PENDING and row.attempts == 1
    assert row.last_error == "gateway answered HTTP 500"
    assert row.next_attempt_at == NOW + outbox.backoff(1)

    gateway.status = 200
    with time_machine.travel(NOW + outbox.backoff(1), tick=False):
        outbox.deliver_due(channels=["sms"])
    row.refresh_from_db()
    assert row.state == OutboxMessage.State.SENT and row.attempts == 2
    assert len(gateway.received) == 2


@pytest.mark.django_db
def test_a_gateway_that_refuses_in_its_answer_is_a_failure(gateway) -> None:
    gateway.answer = {"errcode": 1001, "errmsg": f"number {PHONE} is blacklisted"}
    with time_machine.travel(NOW, tick=False):
        row = queue()
        outbox.deliver_due(channels=["sms"])
    row.refresh_from_db()
    assert row.state == OutboxMessage.State.PENDING and row.attempts == 1
    assert row.last_error == "refused: number 139****0001 is blacklisted"


@pytest.mark.django_db
def test_a_timeout_is_recorded_on_the_row_and_the_phone_is_masked_in_the_log(gateway, settings, caplog) -> None:
    settings.PANGTING_SMS_TIMEOUT_SECONDS = 0.3
    gateway.delay = 1.0
    with time_machine.travel(NOW, tick=False), caplog.at_level("WARNING", logger="pangting.core.outbox_channels"):
        row = queue()
        result = outbox.deliver_due(channels=["sms"])
    row.refresh_from_db()
    assert result.retry == {"sms": 1}
    assert row.attempts == 1 and "timed out" in row.last_error
    assert "139****0001" in caplog.text and PHONE not in caplog.text


@pytest.mark.django_db
def test_the_last_failure_gives_the_row_up(gateway) -> None:
    gateway.status = 503
    with time_machine.travel(NOW, tick=False):
        row = queue()
    OutboxMessage.objects.filter(pk=row.pk).update(attempts=outbox.MAX_ATTEMPTS - 1)
    with time_machine.travel(NOW, tick=False):
        result = outbox.deliver_due(channels=["sms"])
    row.refresh_from_db()
    assert result.failed == {"sms": 1} and row.state == OutboxMessage.State.FAILED


@pytest.mark.django_db
def test_without_a_gateway_nothing_is_sent_and_the_reason_is_recorded(settings) -> None:
    settings.PANGTING_SMS_GATEWAY_URL = ""
    with time_machine.travel(NOW, tick=False):
        row = queue()
        outbox.deliver_due(channels=["sms"])
    row.refresh_from_db()
    assert row.state == OutboxMessage.State.PENDING and row.last_error == "SMS gateway not configured"


def test_a_template_that_is_not_a_json_object_is_refused() -> None:
    with pytest.raises(ValueError):
        outbox_channels.sms_body("[1, 2]", phone=PHONE, subject="s", text="t")
