"""Queue and send the day's study deadline reminders (plan, arrangement form, report, make-up study).

Run once a day, beside ``manage.py send_reminders`` (the observation reminders): the same
outbox, channels, settings and guarantees (a second run the same day queues nothing new; a
message is marked sent only after delivery succeeded; failures are retried). See
`pangting/study/reminders.py` for who is reminded of what, and how other steps plug in.

cron (every day at 07:35, as the application user)::

    35 7 * * * cd /srv/pangting && .venv/bin/python manage.py send_study_reminders >> var/reminders.log 2>&1

With systemd, add ``ExecStart=/srv/pangting/.venv/bin/python manage.py send_study_reminders`` as a
second line to the ``pangting-reminders.service`` shown in ``send_reminders``.

Options: ``--dry-run`` lists what would be queued without queuing or sending anything;
``--date YYYY-MM-DD`` runs as if it were that day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from pangting.core import jobs, outbox
from pangting.core.system import system_actor
from pangting.study import reminders


class Command(BaseCommand):
    help = "排队并发送学习期限提醒（年度计划、安排表、会后报送、补学）；每天运行一次，重复运行不会重复入队。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只列出将入队的提醒，不入队、不发送。")
        parser.add_argument("--date", help="按指定日期（YYYY-MM-DD）运行。")
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务执行进程运行（定时任务用）。")

    def handle(self, *args: Any, dry_run: bool = False, date: str | None = None, **options: Any) -> None:
        today = None
        if date:
            try:
                today = dt.date.fromisoformat(date)
            except ValueError as error:
                raise CommandError(f"日期“{date}”无效，应写作 2026-10-13。") from error
        if options.get("enqueue"):
            if dry_run:
                raise CommandError("--enqueue 不能与 --dry-run 同时使用。")
            job = jobs.start(
                "study.reminders", title=gettext("学习期限提醒"), actor=system_actor(),
                params={"date": today.isoformat() if today else None},
            )  # fmt: skip
            self.stdout.write(f"已排队后台任务 {job.pk}。")
            return
        result = reminders.send_reminders(today, dry_run=dry_run)
        for reminder in result.reminders:
            to = "、".join(reminder.emails) or "（无邮箱）"
            self.stdout.write(f"{'[演练] ' if dry_run else ''}{reminder.subject} → {to}")
        tail = "（演练，未入队、未发送）。" if dry_run else "。"
        self.stdout.write(
            f"学习提醒{len(result.reminders)}条：{'将' if dry_run else '新'}入队{result.queued}条消息，"
            f"无收件地址{result.no_recipient}条，已入队过{result.skipped}条{tail}"
        )
        if not dry_run:
            for text, ok in outbox.summary(result.delivery):
                (self.stdout if ok else self.stderr).write(text)
