"""Deliver the outbox's due messages (first attempts and retries), e.g. every 15 minutes::

    */15 * * * * cd /srv/pangting && .venv/bin/python manage.py deliver_outbox >> var/outbox.log 2>&1

`send_reminders` also delivers after queuing; this command only retries in between.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from pangting.core import outbox


class Command(BaseCommand):
    help = "发送待发消息中已到时间的消息（含失败后的重试）。"

    def handle(self, *args: Any, **options: Any) -> None:
        for text, ok in outbox.summary(outbox.deliver_due()):
            (self.stdout if ok else self.stderr).write(text)
