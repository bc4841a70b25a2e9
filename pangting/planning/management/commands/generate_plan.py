"""`manage.py generate_plan --year 2027` (or `--run <id>` for a run queued from the web page).

Builds the year's planner instance from the database, solves within the time limit and
stores the draft on a `PlanRun` (R-O1), printing the progress as it goes.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pangting.core.system import system_actor
from pangting.orgs.units import supervising_organizations
from pangting.planning import services
from pangting.planning.models import PlanRun


class Command(BaseCommand):
    help = "生成年度巡听旁听计划草案（后台任务）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", type=int, help="计划年度，如 2027")
        parser.add_argument("--run", type=int, help="执行网页上已排队的生成任务")
        parser.add_argument("--org", help="督导组织编码（默认：唯一的顶层组织）")
        parser.add_argument("--time-limit", type=int, default=10, help="求解时限（秒）")
        parser.add_argument("--lanzhou", action="store_true", help="每个工作组每学期旁听其联系单位（R-O12）")
        parser.add_argument("--no-cross", action="store_true", help="不安排交叉旁听")
        parser.add_argument("--seed", type=int, default=0, help="随机种子（结果可复现）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["run"]:
            run = PlanRun.objects.filter(pk=options["run"]).select_related("supervisor_org").first()
            if run is None:
                raise CommandError(f"找不到生成任务：{options['run']}")
            if run.status != PlanRun.Status.QUEUED:
                raise CommandError(f"生成任务 {run.pk} 的状态为“{run.get_status_display()}”，不能再次执行。")
        elif options["year"]:
            run = self._queue(options)
        else:
            raise CommandError("请指定 --year 或 --run。")
        self.stdout.write(
            f"{run.year}年度巡听旁听计划生成（任务 {run.pk}），时限 {run.parameters.get('time_limit')} 秒"
        )
        run = services.execute_run(run, echo=self._echo)
        self.stdout.write("")
        if run.status == PlanRun.Status.FAILED:
            self.stdout.write(run.explanation)
            sys.exit(1)
        result = run.result
        self.stdout.write(
            f"求解状态：{result.get('status')}；目标值：{result.get('objective')}；下界：{result.get('bound')}；"
            f"间隙：{result.get('gap')}；用时：{result.get('wall_time')} 秒"
        )
        for note in run.notes:
            self.stdout.write(f"说明：{note}")
        if not run.has_plan:
            self.stdout.write("未能生成计划：")
            for line in run.explanation.splitlines():
                self.stdout.write(f"  - {line}")
            sys.exit(1)
        self.stdout.write(f"计划草案：巡听旁听 {len(run.draft['visits'])} 次，交叉旁听 {len(run.draft['cross'])} 对。")

    def _queue(self, options: dict[str, Any]) -> PlanRun:
        roots = supervising_organizations()
        if options["org"]:
            roots = roots.filter(code=options["org"])
        if roots.count() != 1:
            raise CommandError("请用 --org 指定督导组织编码。")
        try:
            return services.create_run(
                actor=system_actor(), supervisor_org=roots.get(), year=options["year"],
                time_limit=options["time_limit"],
                lanzhou_rule=options["lanzhou"], cross_observation=not options["no_cross"], seed=options["seed"],
            )  # fmt: skip
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from None

    def _echo(self, run: PlanRun) -> None:
        filled = run.progress // 5
        self.stdout.write(
            f"\r[{'#' * filled}{'.' * (20 - filled)}] {run.progress:3d}% {run.get_status_display()}", ending=""
        )
        self.stdout.flush()
