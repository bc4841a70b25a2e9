"""The outbox's channels: e-mail, the DingTalk / WeCom group robots, and SMS through an HTTP gateway.

Registered in `CoreConfig.ready`. The robots are plain HTTPS JSON endpoints whose URL (with
its token) stays in the settings, never in the outbox rows: a robot row's address only names
the group. Rows for a robot are posted as digests: one heading (the row's subject) and at
most `WEBHOOK_LINES` lines (the rows' bodies) per post.
"""

from __future__ import annotations

import json
import logging
import string
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from pangting.lib.phone import mask_phone

from .models import OutboxMessage

log = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 5  # seconds; a robot that does not answer must not hold up the run
WEBHOOK_LINES = 20  # lines per robot message (robots cap the message length)
CONSOLE_BACKENDS = ("django.core.mail.backends.console.EmailBackend",)

ROBOT_SETTINGS = {"dingtalk": "PANGTING_DINGTALK_WEBHOOK", "wecom": "PANGTING_WECOM_WEBHOOK"}

# Replaced in tests: no test touches the network.
urlopen: Callable[..., Any] = urllib.request.urlopen


class EmailChannel:
    """One e-mail per row, through Django's configured backend."""

    # i18n: not interface (console output of the outbox commands, which Django runs untranslated)
    label = "邮件"

    def deliver(self, messages: Sequence[OutboxMessage]) -> list[str | None]:
        outcomes: list[str | None] = []
        connection = get_connection(fail_silently=False)
        for message in messages:
            try:
                delivered = connection.send_messages(
                    [EmailMessage(message.subject, message.body, None, [message.address], connection=connection)]
                )
            except Exception as error:  # one bad address must not stop the others
                log.warning("Outbox mail to %s failed: %s", message.address, error)
                outcomes.append(f"{type(error).__name__}: {error}")
                continue
            outcomes.append(None if delivered else "the mail backend accepted no message")
        return outcomes

    def delivered_verb(self) -> str:
        """The console backend only prints: say so rather than claim the mail went out."""
        # i18n: not interface (console output of the outbox commands, which Django runs untranslated)
        return "已打印（控制台邮件后端，未实际发出）" if settings.EMAIL_BACKEND in CONSOLE_BACKENDS else "已发送"


def robot_payload(text: str) -> dict[str, Any]:
    """DingTalk and WeCom group robots both take this text message shape."""
    return {"msgtype": "text", "text": {"content": text}}


def post_webhook(url: str, text: str, *, timeout: float = WEBHOOK_TIMEOUT) -> str | None:
    """POST one text message to a robot: None when the robot accepted it, else why not."""
    if not url.startswith(("https://", "http://")):
        return "webhook URL is not http(s)"
    data = json.dumps(robot_payload(text), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    try:
        with urlopen(request, timeout=timeout) as response:
            body = response.read(65536)
        answer = json.loads(body or b"{}")
    except Exception as error:  # a robot's failure is recorded on the rows, never raised
        log.warning("Webhook %s failed: %s", url.split("?")[0], error)
        return f"{type(error).__name__}: {error}"
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        log.warning("Webhook %s refused: %s", url.split("?")[0], answer)
        return f"refused: {answer.get('errmsg', answer)}"
    return None


class RobotChannel:
    """A DingTalk or WeCom group robot; the URL is read from the settings at delivery time."""

    def __init__(self, name: str, label: str) -> None:
        self.name = name
        self.label = label

    @property
    def url(self) -> str:
        return getattr(settings, ROBOT_SETTINGS[self.name], "")

    def deliver(self, messages: Sequence[OutboxMessage]) -> list[str | None]:
        url = self.url
        if not url:
            return ["robot not configured"] * len(messages)
        outcome: dict[int, str | None] = {}
        by_heading: dict[str, list[OutboxMessage]] = {}
        for message in messages:
            by_heading.setdefault(message.subject, []).append(message)
        for heading, rows in by_heading.items():
            for start in range(0, len(rows), WEBHOOK_LINES):
                chunk = rows[start : start + WEBHOOK_LINES]
                error = post_webhook(url, "\n".join([heading, *(row.body for row in chunk)]))
                for row in chunk:
                    outcome[row.pk] = error
        return [outcome[message.pk] for message in messages]

    def delivered_verb(self) -> str:
        # i18n: not interface (console output of the outbox commands, which Django runs untranslated)
        return "已推送"


def configured_robots() -> list[str]:
    """The robot channels that have a URL in this deployment."""
    return [name for name, setting in ROBOT_SETTINGS.items() if getattr(settings, setting, "")]


def sms_body(template: str, *, phone: str, subject: str, text: str) -> bytes:
    """The gateway's JSON body: the template's string values with $phone, $subject, $text replaced.

    Replacing inside the parsed JSON (not in its text) keeps any message valid JSON, quotes and
    all. Raises ValueError for a template that is not a JSON object.
    """
    shape = json.loads(template)
    if not isinstance(shape, dict):
        raise ValueError("PANGTING_SMS_BODY_TEMPLATE must be a JSON object")
    values = {"phone": phone, "subject": subject, "text": text}

    def fill(node: Any) -> Any:
        if isinstance(node, str):
            return string.Template(node).safe_substitute(values)
        if isinstance(node, list):
            return [fill(item) for item in node]
        if isinstance(node, dict):
            return {key: fill(value) for key, value in node.items()}
        return node

    return json.dumps(fill(shape), ensure_ascii=False).encode("utf-8")


def post_sms(url: str, phone: str, subject: str, text: str) -> str | None:
    """POST one SMS to the gateway: None when it accepted it (2xx, and no error code), else why not.

    The phone number is personal information: logs and recorded errors show it masked.
    """
    if not url.startswith(("https://", "http://")):
        return "SMS gateway URL is not http(s)"
    try:
        data = sms_body(settings.PANGTING_SMS_BODY_TEMPLATE, phone=phone, subject=subject, text=text)
    except ValueError as error:
        return f"bad SMS body template: {error}"
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if settings.PANGTING_SMS_GATEWAY_TOKEN:
        headers["Authorization"] = f"Bearer {settings.PANGTING_SMS_GATEWAY_TOKEN}"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310 (scheme checked)
    masked = mask_phone(phone)
    try:
        with urlopen(request, timeout=settings.PANGTING_SMS_TIMEOUT_SECONDS) as response:
            body = response.read(65536)
    except urllib.error.HTTPError as error:
        log.warning("SMS to %s: gateway answered HTTP %s", masked, error.code)
        return f"gateway answered HTTP {error.code}"
    except Exception as error:  # timeout, refused connection: recorded on the row, retried by the outbox
        log.warning("SMS to %s failed: %s", masked, error)
        return f"{type(error).__name__}: {error}".replace(phone, masked)
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        answer = {}
    if isinstance(answer, dict) and (answer.get("errcode", 0) not in (0, "0") or answer.get("success") is False):
        log.warning("SMS to %s refused by the gateway", masked)
        return f"refused: {str(answer.get('errmsg') or answer.get('message') or answer)[:200]}".replace(phone, masked)
    return None


class SmsChannel:
    """One SMS per row through the configured HTTP gateway; the row's address is the phone number."""

    # i18n: not interface (console output of the outbox commands, which Django runs untranslated)
    label = "短信"

    def deliver(self, messages: Sequence[OutboxMessage]) -> list[str | None]:
        url = settings.PANGTING_SMS_GATEWAY_URL
        if not url:
            return ["SMS gateway not configured"] * len(messages)
        return [post_sms(url, message.address, message.subject, message.body) for message in messages]

    def delivered_verb(self) -> str:
        # i18n: not interface (console output of the outbox commands, which Django runs untranslated)
        return "已提交短信网关"


def sms_configured() -> bool:
    return bool(getattr(settings, "PANGTING_SMS_GATEWAY_URL", ""))


def phone_of(user: Any) -> str:
    """A user's mobile number for SMS: the directory's (person) number, or ""."""
    person = getattr(user, "person", None)
    return str(getattr(person, "phone", "") or "") if person is not None else ""


def register() -> None:
    from . import outbox

    outbox.register_channel("email", EmailChannel())
    # i18n: not interface (console output of the outbox commands, which Django runs untranslated)
    outbox.register_channel("dingtalk", RobotChannel("dingtalk", "钉钉机器人"))
    # i18n: not interface (console output of the outbox commands, which Django runs untranslated)
    outbox.register_channel("wecom", RobotChannel("wecom", "企业微信机器人"))
    outbox.register_channel("sms", SmsChannel())
