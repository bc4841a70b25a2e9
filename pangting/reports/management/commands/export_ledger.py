"""Export a ledger (台账) to an .xlsx file, for the supervisor's scheduled archiving (R-S14, R-O1).

    manage.py export_ledger --kind sessions --year 2026 --output 学习会台账-2026.xlsx
    manage.py export_ledger --kind all --year 2026 --semester 2 --unit JDXY --output archive/2026-autumn.xlsx
    manage.py export_ledger --kind attendance --year 2026 --months 3-6 --user xuanchuan --output out.xlsx

Kinds: plans, sessions, attendance, visits, records, feedback, rectification, cross, or all
(one sheet per kind). Without ``--user`` the ledger holds every record (whoever runs the
command on the server already has the database); with it, what that user may see on the
ledger page. The file is written beside the target and renamed into place when complete,
so a scheduled job never leaves half a workbook under the final name.

cron (1 February, the previous year's full ledger)::

    0 2 1 2 * cd /srv/pangting && .venv/bin/python manage.py export_ledger --kind all \\
        --year $(($(date +\\%Y) - 1)) --output var/archive/台账-$(($(date +\\%Y) - 1)).xlsx
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from pangting.core.audit import record_event
from pangting.orgs.models import Organization
from pangting.reports.ledgers import ALL, LEDGERS, YEAR_MAX, YEAR_MIN, LedgerQuery, Period, Scope, write_ledgers

MONTHS = re.compile(r"^(\d{1,2})(?:-(\d{1,2}))?$")


class Command(BaseCommand):
    help = "导出台账（Excel），供宣传部定期归档：--kind 台账类型 --year 年度 [--unit 单位编码] --output 文件。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--kind", required=True, choices=[*LEDGERS, ALL], help="台账类型，all 为全部。")
        parser.add_argument("--year", required=True, type=int, help="年度，如 2026。")
        parser.add_argument("--unit", default="", help="单位编码（含下级组织）；不填为全部单位。")
        parser.add_argument("--semester", type=int, choices=[1, 2], help="1 春季学期，2 秋季学期。")
        parser.add_argument("--months", default="", help="月份范围，如 3-6 或 9；与 --semester 二选一。")
        parser.add_argument("--user", default="", help="按该用户的查看范围导出；不填为全部记录。")
        parser.add_argument("--output", required=True, help="输出的 .xlsx 文件路径。")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise CommandError(f"年度应在{YEAR_MIN}年到{YEAR_MAX}年之间。")
        months = self._months(options["months"])
        if months and options["semester"]:
            raise CommandError("学期和月份范围只能选择一种。")
        unit = None
        if options["unit"]:
            unit = Organization.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"没有编码为“{options['unit']}”的组织。")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"没有启用的用户“{options['user']}”。")
        scope = Scope(user) if user is not None else Scope(everything=True)
        ledgers = scope.ledgers() if options["kind"] == ALL else [LEDGERS[options["kind"]]]
        if user is not None and not all(ledger in scope.ledgers() for ledger in ledgers):
            raise CommandError(f"用户“{user.get_username()}”无权查看这种台账。")
        if not ledgers:
            raise CommandError(f"用户“{options['user']}”没有可查看的台账。")
        query = LedgerQuery(Period(year, options["semester"], months), unit)
        target = Path(options["output"])
        if target.parent and not target.parent.exists():
            raise CommandError(f"目录“{target.parent}”不存在。")
        handle, partial = tempfile.mkstemp(prefix=".ledger-", suffix=".xlsx", dir=target.parent or ".")
        try:
            with os.fdopen(handle, "wb") as stream:
                write_ledgers(ledgers, scope, query, stream)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        record_event(
            user,
            "reports.ledger_export",
            target=target.name,
            username=user.get_username() if user is not None else "manage.py export_ledger",
            detail={"kinds": [ledger.key for ledger in ledgers], "unit": unit.pk if unit else None, "command": True},
        )
        self.stdout.write(f"已导出 {query.period.label}{'、'.join(ledger.title for ledger in ledgers)} → {target}")

    def _months(self, raw: str) -> tuple[int, int] | None:
        if not raw:
            return None
        match = MONTHS.match(raw.strip())
        if not match:
            raise CommandError("月份范围的格式应为 3-6 或 9。")
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if not (1 <= first <= 12 and 1 <= last <= 12):
            raise CommandError("月份应为1到12。")
        if first > last:
            raise CommandError("截止月份不能早于起始月份。")
        return first, last
