"""Run the rule checks for a year and print the findings (on demand, or on a schedule with --changed).

    manage.py check_compliance [--year 2026] [--unit JDXY] [--rule R-S3 ...] [--format json|text] [--changed]
    manage.py check_compliance --enqueue [--year 2026] [--changed]
    manage.py check_compliance --check-counts [--year 2026]     # the stored counts equal a recount
    manage.py check_compliance --rebuild-counts [--year 2026]   # recount every unit's findings

With --enqueue the run is queued for the background worker (a "compliance.run" job, what the
nightly timer does) instead of run here, and nothing but the job's number is printed.

The output lists the open findings of the units and rules checked, sorted by rule, unit,
period and key, without timestamps, so two runs on the same data print the same bytes and
can be diffed. Without --year it checks the current year (by the one clock), which is what a
scheduled run wants.

--check-counts compares the findings' stored counts (`FindingCount`, which the assessment sheet
reads) with a full recount, prints each that differs and exits with status 1 if any does;
--rebuild-counts recounts them all. Neither runs the checks.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pangting.compliance import counts, jobs, services
from pangting.compliance.models import ComplianceRun, Finding
from pangting.compliance.registry import ordered_rules
from pangting.core import clock
from pangting.core.system import system_actor
from pangting.orgs.models import Organization


class Command(BaseCommand):
    help = "按规则检查某年度各单位的学习和巡听旁听情况，输出检查发现（可定时运行，--changed 只查有变动的单位）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", type=int, help="年度（默认本年度）")
        parser.add_argument("--unit", help="单位代码（检查该单位及其下级）")
        parser.add_argument("--rule", action="append", dest="rules", help="规则编号，如 R-S3；可重复")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--changed", action="store_true", help="只检查上次完整检查后记录有变动的单位")
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务执行进程运行（定时任务用），不在此运行")
        parser.add_argument(
            "--check-counts", action="store_true", help="核对检查发现统计与重新计数是否一致（不运行检查）"
        )
        parser.add_argument(
            "--rebuild-counts", action="store_true", help="重新计算全部单位的检查发现统计（不运行检查）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"] or clock.today().year
        if not 2000 <= year <= 2100:
            raise CommandError(f"年度“{year}”无效。")
        known = {r.id for r in ordered_rules()}
        rules = options["rules"] or []
        unknown = [r for r in rules if r not in known]
        if unknown:
            raise CommandError(f"未知的规则：{'、'.join(unknown)}。可用规则：{'、'.join(sorted(known))}")
        if options["check_counts"] or options["rebuild_counts"]:
            self._counts(year, rebuild=options["rebuild_counts"])
            return
        unit = None
        if options["unit"]:
            unit = Organization.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"未找到代码为“{options['unit']}”的单位。")
            if not services.units_in_scope(unit):
                raise CommandError(f"单位“{unit.display_name}”及其下级没有理论学习中心组，无可检查的规则。")
        actor = system_actor()  # a command acts as the named system actor (issue 10)
        if options["enqueue"]:
            if unit is not None or rules:
                raise CommandError("--enqueue 检查全部规则和单位，不能与 --unit 或 --rule 同时使用。")
            job = jobs.start_run(year, actor=actor, changed=options["changed"])
            self.stdout.write(f"已排队后台任务 {job.pk}：{year}年规则检查。")
            return
        if options["changed"]:
            if unit is not None or rules:
                raise CommandError("--changed 检查全部规则和单位，不能与 --unit 或 --rule 同时使用。")
            units = services.changed_units(year)
            if units is None:  # no complete run yet: this one is it
                run = services.run_checks(year, trigger=ComplianceRun.Trigger.SCHEDULE, actor=actor)
                scope_ids = None
            else:
                run = services.run_checks(year, units=units, trigger=ComplianceRun.Trigger.SCHEDULE, actor=actor)
                scope_ids = [u.pk for u in units]
        else:
            run = services.run_checks(year, unit=unit, rules=rules or None, actor=actor)
            scope_ids = None
        findings = Finding.objects.open().filter(year=year).select_related("unit")
        if scope_ids is not None:
            findings = findings.filter(unit_id__in=scope_ids)
        elif unit is not None:
            findings = findings.filter(unit__path__startswith=unit.path)
        if rules:
            findings = findings.filter(rule_id__in=rules)
        rows = services.finding_rows(findings)
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1, sort_keys=True))
            return
        for row in rows:
            self.stdout.write(
                f"{row['rule']}\t{row['unit']}\t{row['period']}\t{row['key']}\t{row['severity']}\t{row['message']}"
            )
        counts = run.counts
        self.stderr.write(
            f"{year}年检查完成：{len(rows)}项未消除的问题（新增{counts['new']}，仍存在{counts['still']}，"
            f"已消除{counts['resolved']}）。"
        )

    def _counts(self, year: int, *, rebuild: bool) -> None:
        if rebuild:
            self.stdout.write(f"{year}年检查发现统计已重新计算：{counts.rebuild(year)}行。")
            return
        differences = counts.check(year)
        for d in differences:
            unit_id, rule_id, severity = d.key
            self.stdout.write(f"单位{unit_id} {rule_id} {severity}：统计为{d.stored}，重新计数为{d.counted}")
        if differences:
            raise CommandError(
                f"{year}年检查发现统计有{len(differences)}处与重新计数不一致（--rebuild-counts 可重算）。"
            )
        self.stdout.write(f"{year}年检查发现统计与重新计数一致。")
