"""Record today's checkpoint of the audit chain head (idempotent: once per day), e.g. nightly::

    5 0 * * * cd /srv/pangting && .venv/bin/python manage.py audit_checkpoint >> var/audit.log 2>&1

Print or forward the line it writes: a copy kept outside the database is what proves, later,
that no event up to that point was changed or removed (see `verify_audit_log`).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from pangting.core import audit_chain


class Command(BaseCommand):
    help = "记录当天的审计日志链头检查点（每天一次，重复运行不会重复记录）。"

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint, created = audit_chain.daily_checkpoint()
        state = "recorded" if created else "already recorded"
        self.stdout.write(
            f"audit checkpoint {checkpoint.day} {state}: seq={checkpoint.seq} "
            f"{checkpoint.algorithm or '-'}:{checkpoint.hash}"
        )
