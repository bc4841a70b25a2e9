"""The daily reminders command both apps subclass (`send_reminders`, `send_study_reminders`).

Not a command itself (the leading underscore keeps Django from listing it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from pangting.accounts.reminders import RunResult
from pangting.core import jobs, outbox
from pangting.core.system import system_actor


class ReminderCommand(BaseCommand):
    """The daily command of one app's reminders: `--dry-run`, `--date`, `--enqueue`.

    A subclass names its job (`job_kind`, registered with `core.jobs`), the job's title, the word
    its summary counts (`summary_label`) and its `send_reminders(today, *, dry_run)`."""

    job_kind = ""
    job_title = ""  # a msgid, shown in the site's language
    summary_label = ""  # "到期提醒" / "学习提醒"

    def send_reminders(self, today: dt.date | None, *, dry_run: bool) -> RunResult:
        raise NotImplementedError

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
            params = {"date": today.isoformat() if today else None}
            job = jobs.start(self.job_kind, title=gettext(self.job_title), actor=system_actor(), params=params)
            self.stdout.write(f"已排队后台任务 {job.pk}。")
            return
        result = self.send_reminders(today, dry_run=dry_run)
        for reminder in result.reminders:
            to = "、".join(reminder.emails) or "（无邮箱）"
            self.stdout.write(f"{'[演练] ' if dry_run else ''}{reminder.subject} → {to}")
        if dry_run:
            self.stdout.write(
                f"{self.summary_label}{len(result.reminders)}条：将入队{result.queued}条消息，"
                f"无收件地址{result.no_recipient}条，已入队过{result.skipped}条（演练，未入队、未发送）。"
            )
            return
        self.stdout.write(
            f"{self.summary_label}{len(result.reminders)}条：新入队{result.queued}条消息，"
            f"无收件地址{result.no_recipient}条（不发送），已入队过{result.skipped}条。"
        )
        for text, ok in outbox.summary(result.delivery):
            (self.stdout if ok else self.stderr).write(text)
