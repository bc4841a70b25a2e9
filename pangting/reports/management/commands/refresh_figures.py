"""Count again and store the dashboard's center-group figures of each unit (`reports.study_figures`).

    manage.py refresh_figures [--year 2026]            the units changed since they were counted
    manage.py refresh_figures --all [--year 2026]      every unit (after a restore, or to rebuild)
    manage.py refresh_figures --check [--year 2026]    compare the stored figures with a full recount
    manage.py refresh_figures --enqueue [--year 2026]  queue the refresh for the background worker

The dashboard is right without this command: it counts live every unit changed since its row
was stored. The command keeps that live part small; the timer beside the other timers runs it
with --enqueue every ten minutes. Without --year it refreshes the current year (by the one
clock). --check prints every figure that differs from the recount and exits with status 1.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from pangting.core import clock, jobs
from pangting.core.system import system_actor
from pangting.reports import study_figures


class Command(BaseCommand):
    help = "重新统计并保存各单位中心组学习数据（统计看板用）；--check 与全量重算比对，--all 全部重建。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", type=int, help="年度（默认本年度）")
        parser.add_argument("--all", action="store_true", dest="everything", help="重建全部单位（默认只统计有变动的）")
        parser.add_argument("--check", action="store_true", help="与全量重算比对，不一致时列出并以状态 1 退出")
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务执行进程运行（定时任务用），不在此运行")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"] or clock.today().year
        if not 2000 <= year <= 2100:
            raise CommandError(f"年度“{year}”无效。")
        if options["check"]:
            differences = study_figures.check(year)
            for d in differences:
                self.stdout.write(f"单位 {d.unit_id}：{d.field} 保存为 {d.stored}，重算为 {d.counted}")
            if differences:
                count = len(differences)
                raise CommandError(f"{year}年有 {count} 项统计数据与重算不一致；请运行 refresh_figures --all。")
            self.stdout.write(f"{year}年已保存的统计数据与重算一致。")
            return
        if options["enqueue"]:
            job = jobs.start(
                "reports.figures",
                title=gettext("{year}年学习统计").format(year=year),
                actor=system_actor(),
                params={"year": year, "everything": options["everything"]},
            )
            self.stdout.write(f"已排队后台任务 {job.pk}：{year}年学习统计。")
            return
        refreshed = study_figures.refresh(year, everything=options["everything"])
        self.stdout.write(f"{year}年已重新统计 {refreshed} 个单位。")
