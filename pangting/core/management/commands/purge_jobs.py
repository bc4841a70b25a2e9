"""`manage.py purge_jobs`: take the stale attempts as interrupted (re-queued or failed,
`jobs.recover_stale`), then remove finished jobs older than PANGTING_JOB_KEEP_DAYS, with their
files and the workers' rows (run hourly by deploy/systemd/pangting-purge-jobs.timer)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from pangting.core import jobs


class Command(BaseCommand):
    help = "处理已中断的后台任务（重新排队或标记失败），删除超过保留期的已结束后台任务及其文件。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=None, help="保留天数（默认 PANGTING_JOB_KEEP_DAYS）")

    def handle(self, *args: Any, **options: Any) -> None:
        recovered = jobs.recover_stale()
        removed = jobs.purge(days=options["days"])
        self.stdout.write(f"已处理 {recovered} 个中断的后台任务，已删除 {removed} 个后台任务。")
