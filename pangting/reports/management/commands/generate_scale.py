"""Generate a province-shaped dataset for measuring the system at scale (issue 15 item 1).

    manage.py generate_scale --units 1000 [--seed 2026] [--year 2026] [--force]

See `pangting.reports.scale` for what is built. Only on an empty database (or one holding
nothing but the system account) and never with production settings, unless ``--force``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pangting.core import clock
from pangting.reports.scale import GenerationRefused, generate


class Command(BaseCommand):
    help = (
        "生成省级规模的测试数据（省 → 市 → 单位 → 支部，学习会、出勤、旁听、整改、检查发现），按种子确定。"
        "为求速度批量写入：记录为各步骤本应写入的状态，但不生成历史记录和状态流转日志。"
        "仅限空数据库、非生产设置，否则须加 --force。"
    )

    requires_system_checks: list[str] = []  # a long run; `manage.py check` is the place for checks

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=int, required=True, help="单位数（含各市），如 10000。")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子；同一种子生成相同的数据。")
        parser.add_argument("--year", type=int, default=None, help="年度（默认为系统时钟的当前年度）。")
        parser.add_argument(
            "--no-checks", action="store_true", help="不运行合规检查（默认按市逐一对其下各单位运行检查引擎）。"
        )
        parser.add_argument("--force", action="store_true", help="在生产设置或已有数据的数据库中也生成。")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"] or clock.today().year
        if not 2000 <= year <= 2100:
            raise CommandError(f"年度应在2000到2100之间：{year}")
        try:
            result = generate(
                units=options["units"],
                seed=options["seed"],
                year=year,
                force=options["force"],
                checks=not options["no_checks"],
                report=self.progress,
            )
        except GenerationRefused as refusal:
            raise CommandError(str(refusal)) from None
        total = sum(result.rows.values())
        rate = total / result.seconds if result.seconds else 0.0
        summary = f"完成：{result.units:,} 个单位，{total:,} 行，用时 {result.seconds:.1f} 秒，{rate:,.0f} 行/秒"
        self.stdout.write(summary)
        for label, count in sorted(result.rows.items()):
            self.stdout.write(f"  {label}: {count:,}")
        self.stdout.write(f"账号（密码 {result.password}）：" + "、".join(result.usernames))

    def progress(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()  # shown as it happens, also when the output goes to a file
