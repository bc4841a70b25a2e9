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

from pangting.accounts.management.commands._reminders import ReminderCommand
from pangting.accounts.reminders import RunResult
from pangting.lib.messages import N_
from pangting.observation import reminders


class Command(ReminderCommand):
    help = "排队并发送巡听旁听期限提醒（邮件、钉钉/企业微信机器人）；每天运行一次，同一天重复运行不会重复入队。"
    job_kind = "observation.reminders"
    job_title = N_("巡听旁听期限提醒")
    summary_label = "到期提醒"

    def send_reminders(self, today: dt.date | None, *, dry_run: bool) -> RunResult:
        return reminders.send_reminders(today, dry_run=dry_run)
