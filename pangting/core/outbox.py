"""The outbox: messages are queued first and marked sent only after a channel delivered them.

Inspired by healthchecks' notification rows: a producer (e.g. the observation reminders)
calls `enqueue(...)` once per message, recipient and channel; `deliver_due()` hands the due
rows of each channel to that channel's sender, and records what really happened:

* sent — the channel accepted the message (`sent_at` is the moment it did);
* pending again — it failed and will be retried after `backoff(attempts)`;
* failed — it failed `MAX_ATTEMPTS` times and is given up (with the last error);
* no_recipient — there was no address to send to; nothing was attempted.

Channels register here (`register_channel`) from their app's `AppConfig.ready`, so core never
imports the apps that use it. A channel receives a list of rows and returns, for each, None
(delivered) or an error text; batching lets a group robot post one digest for many rows.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import IntegrityError, transaction

from pangting.core import clock

from .models import OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # give up after this many failed deliveries
BACKOFF_BASE = dt.timedelta(minutes=10)  # 10 min, 20 min, 40 min, 80 min between attempts
BATCH = 200  # rows per channel per run
CLAIM_LEASE = dt.timedelta(minutes=15)  # a claimed row is due again after this if its run died

State = OutboxMessage.State


class Channel(Protocol):
    """A way to deliver messages: e-mail, a group robot, ..."""

    label: str

    def deliver(self, messages: Sequence[OutboxMessage]) -> list[str | None]:
        """One entry per message: None when delivered, else why not. Must not raise."""
        ...

    def delivered_verb(self) -> str:
        """How the summary names a successful delivery ("已发送", or "已打印" for the console)."""
        ...


_channels: dict[str, Channel] = {}


def register_channel(name: str, channel: Channel) -> None:
    _channels[name] = channel


def channel(name: str) -> Channel | None:
    return _channels.get(name)


def channels() -> dict[str, Channel]:
    return dict(_channels)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failure: doubles each time."""
    return BACKOFF_BASE * (2 ** max(attempts - 1, 0))


@dataclass
class Enqueued:
    """What `enqueue` did with one message."""

    message: OutboxMessage | None
    created: bool


def enqueue(
    *,
    dedup_key: str,
    channel: str,
    subject: str,
    body: str,
    recipient: Any = None,
    address: str = "",
) -> Enqueued:
    """Queue one message, once per `dedup_key` (a second call with the same key queues nothing).

    Without an address the row is stored as `no_recipient`: counted honestly, never sent.
    """
    if channel not in _channels:
        raise ValueError(f"Unknown outbox channel: {channel}")
    existing = OutboxMessage.objects.filter(dedup_key=dedup_key).first()
    if existing is not None:
        return Enqueued(existing, created=False)
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                dedup_key=dedup_key[:200],
                channel=channel,
                recipient=recipient,
                address=address[:254],
                subject=subject[:300],
                body=body,
                state=State.PENDING if address else State.NO_RECIPIENT,
            )
    except IntegrityError:  # a concurrent run queued it first
        return Enqueued(OutboxMessage.objects.filter(dedup_key=dedup_key).first(), created=False)
    return Enqueued(message, created=True)


@dataclass
class DeliveryResult:
    """What one `deliver_due` run did, by channel: the numbers the command prints."""

    sent: dict[str, int] = field(default_factory=dict)
    retry: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)

    def total(self, kind: str) -> int:
        return sum(getattr(self, kind).values())

    def _add(self, kind: str, name: str) -> None:
        counts = getattr(self, kind)
        counts[name] = counts.get(name, 0) + 1


def due_messages(now: dt.datetime | None = None) -> Any:
    now = now or clock.now()
    return OutboxMessage.objects.filter(state=State.PENDING, next_attempt_at__lte=now).order_by("next_attempt_at", "pk")


def deliver_due(now: dt.datetime | None = None, *, channels: Sequence[str] | None = None) -> DeliveryResult:
    """Deliver every pending row whose time has come; record each outcome on its row."""
    now = now or clock.now()
    result = DeliveryResult()
    names = list(channels) if channels is not None else list(_channels)
    for name in names:
        sender = _channels.get(name)
        if sender is None:
            continue
        rows = claim(name, now)
        if not rows:
            continue
        # Delivery happens outside any transaction: no lock is held while a mail server or robot answers.
        outcomes = _safe_deliver(sender, rows)
        for row, error in zip(rows, outcomes, strict=True):
            _record(row, error, now)
            result._add("sent" if error is None else ("failed" if row.state == State.FAILED else "retry"), name)
    return result


def claim(channel: str, now: dt.datetime) -> list[OutboxMessage]:
    """Take up to BATCH due rows of `channel` for this run: their next attempt moves CLAIM_LEASE
    ahead, so a concurrent run skips them, and a run that died leaves them due again later."""
    with transaction.atomic():
        ids = list(
            due_messages(now)
            .filter(channel=channel)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:BATCH]
        )
        OutboxMessage.objects.filter(pk__in=ids).update(next_attempt_at=now + CLAIM_LEASE)
    return list(OutboxMessage.objects.filter(pk__in=ids).order_by("pk"))


def _safe_deliver(sender: Channel, rows: list[OutboxMessage]) -> list[str | None]:
    try:
        outcomes = list(sender.deliver(rows))
    except Exception as error:  # a channel that raises fails its whole batch, never the run
        log.warning("Outbox channel %s raised: %s", sender.label, error)
        return [f"{type(error).__name__}: {error}"] * len(rows)
    if len(outcomes) != len(rows):
        return ["channel returned a wrong number of outcomes"] * len(rows)
    return outcomes


def _record(row: OutboxMessage, error: str | None, now: dt.datetime) -> None:
    row.attempts += 1
    if error is None:
        row.state = State.SENT
        row.sent_at = clock.now()
        row.last_error = ""
    else:
        row.last_error = error[:2000]
        if row.attempts >= MAX_ATTEMPTS:
            row.state = State.FAILED
        else:
            row.next_attempt_at = now + backoff(row.attempts)
    row.save(update_fields=["attempts", "state", "sent_at", "last_error", "next_attempt_at"])


def channel_label(name: str) -> str:
    sender = _channels.get(name)
    return sender.label if sender is not None else name


def delivered_verb(name: str) -> str:
    sender = _channels.get(name)
    # i18n: not interface (console output of the outbox commands, which Django runs untranslated)
    return sender.delivered_verb() if sender is not None else "已发送"


def summary(delivery: DeliveryResult) -> list[tuple[str, bool]]:
    """The honest per-channel lines for a command: (text, all went well)."""
    names = sorted(set(delivery.sent) | set(delivery.retry) | set(delivery.failed))
    if not names:
        # i18n: not interface (console output of the outbox commands, which Django runs untranslated)
        return [("没有到期待发的消息。", True)]
    lines = []
    for name in names:
        sent, retry, failed = delivery.sent.get(name, 0), delivery.retry.get(name, 0), delivery.failed.get(name, 0)
        # i18n: not interface (console output of the outbox commands, which Django runs untranslated)
        text = f"{channel_label(name)}：{delivered_verb(name)}{sent}条，失败稍后重试{retry}条，多次失败放弃{failed}条。"
        lines.append((text, not (retry or failed)))
    return lines
