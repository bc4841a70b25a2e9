"""Queue and send the day's observation deadline reminders (e-mail, DingTalk / WeCom robots).

Run once a day; running it again the same day queues nothing new (each message sits in the
core outbox under a unique key). A message is marked sent only after delivery succeeded;
failed ones are retried with backoff by later runs, or in between by
``manage.py deliver_outbox`` (e.g. every 15 minutes from cron). See `pangting/observation/reminders.py` for who is
reminded of what, and when.

Settings (environment → settings): EMAIL_BACKEND (console by default; set
`django.core.mail.backends.smtp.EmailBackend` and EMAIL_HOST / EMAIL_PORT for SMTP),
DEFAULT_FROM_EMAIL, PANGTING_BASE_URL (so that links in messages are absolute), and
optionally PANGTING_DINGTALK_WEBHOOK / PANGTING_WECOM_WEBHOOK (the robots' full URLs,
access token included; a DingTalk robot with keyword security needs the keyword "巡听旁听").

cron (every day at 07:30, as the application user)::

    30 7 * * * cd /srv/pangting && .venv/bin/python manage.py send_reminders >> var/reminders.log 2>&1

systemd timer::

    # /etc/systemd/system/pangting-reminders.service
    [Unit]
    Description=Pangting observation deadline reminders

    [Service]
    Type=oneshot
    User=pangting
    WorkingDirectory=/srv/pangting
    EnvironmentFile=/etc/pangting/env
    ExecStart=/srv/pangting/.venv/bin/python manage.py send_reminders

    # /etc/systemd/system/pangting-reminders.timer
    [Unit]
    Description=Run Pangting reminders daily

    [Timer]
    OnCalendar=*-*-* 07:30:00
    Persistent=true

    [Install]
    WantedBy=timers.target

    # then: systemctl daemon-reload && systemctl enable --now pangting-reminders.timer

Options: ``--dry-run`` lists what would be queued without queuing or sending anything;
``--date YYYY-MM-DD`` runs as if it were that day (to catch up a missed day, or to test).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from pangting.core import jobs, outbox
from pangting.core.system import system_actor
from pangting.observation import reminders


class Command(BaseCommand):
    help = "排队并发送巡听旁听期限提醒（邮件、钉钉/企业微信机器人）；每天运行一次，同一天重复运行不会重复入队。"

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
                "observation.reminders", title=gettext("巡听旁听期限提醒"), actor=system_actor(),
                params={"date": today.isoformat() if today else None},
            )  # fmt: skip
            self.stdout.write(f"已排队后台任务 {job.pk}。")
            return
        result = reminders.send_reminders(today, dry_run=dry_run)
        for reminder in result.reminders:
            to = "、".join(reminder.emails) or "（无邮箱）"
            self.stdout.write(f"{'[演练] ' if dry_run else ''}{reminder.subject} → {to}")
        if dry_run:
            self.stdout.write(
                f"到期提醒{len(result.reminders)}条：将入队{result.queued}条消息，"
                f"无收件地址{result.no_recipient}条，已入队过{result.skipped}条（演练，未入队、未发送）。"
            )
            return
        self.stdout.write(
            f"到期提醒{len(result.reminders)}条：新入队{result.queued}条消息，"
            f"无收件地址{result.no_recipient}条（不发送），已入队过{result.skipped}条。"
        )
        for text, ok in outbox.summary(result.delivery):
            (self.stdout if ok else self.stderr).write(text)
