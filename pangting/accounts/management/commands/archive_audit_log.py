"""Archive and purge audit events older than the retention period (the audit administrator's command).

    manage.py archive_audit_log --actor AUDITOR --before YYYY-MM-DD --out FILE

Refuses a `--before` day younger than PANGTING_AUDIT_RETENTION_DAYS (at least 180, default
1095 days), an existing FILE, and a chain that does not verify. Exports the purged events as
JSON lines with their hashes, deletes them (the PostgreSQL trigger admits only this command's
transaction), records an archive checkpoint from which `verify_audit_log` continues, and logs
the archive as an audit event. Keep the file: it is the only copy of those events.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pangting.accounts import policy
from pangting.accounts.models import Role
from pangting.core import audit_chain


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from None


class Command(BaseCommand):
    help = "审计管理员在保存期满后归档并清除早于指定日期的审计日志（先导出，再删除，并记录检查点）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", required=True, help="执行归档的审计管理员用户名")
        parser.add_argument("--before", required=True, help="归档并清除此日期（YYYY-MM-DD）之前的记录")
        parser.add_argument("--out", required=True, help="导出文件（JSON Lines，不可已存在）")

    def handle(self, *args: Any, **options: Any) -> None:
        before = _day(options["before"])
        actor = get_user_model().objects.filter(username=options["actor"], is_active=True).first()
        if actor is None or Role.AUDIT_ADMIN not in policy.roles(actor):
            raise CommandError("只有审计管理员可以归档审计日志。")
        try:
            done = audit_chain.archive(before, Path(options["out"]), actor)
        except audit_chain.ArchiveRefused as exc:
            raise CommandError(str(exc)) from None
        if not done.count:
            self.stdout.write("nothing to archive")
            return
        self.stdout.write(
            f"archived {done.count} events up to #{done.up_to_seq} to {options['out']} (sha256 {done.file_sha256})"
        )
