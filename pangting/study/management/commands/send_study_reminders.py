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

from pangting.accounts.management.commands._reminders import ReminderCommand
from pangting.accounts.reminders import RunResult
from pangting.lib.messages import N_
from pangting.study import reminders


class Command(ReminderCommand):
    help = "排队并发送学习期限提醒（年度计划、安排表、会后报送、补学）；每天运行一次，重复运行不会重复入队。"
    job_kind = "study.reminders"
    job_title = N_("学习期限提醒")
    summary_label = "学习提醒"

    def send_reminders(self, today: dt.date | None, *, dry_run: bool) -> RunResult:
        return reminders.send_reminders(today, dry_run=dry_run)
