"""Back up the database and the uploaded files into one archive (pangting/core/backup.py).

Safe while the server runs. Daily with retention, e.g. the systemd timer in deploy/backup/::

    manage.py backup --out /var/backups/pangting --keep 14
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pangting.core import backup


class Command(BaseCommand):
    help = "备份数据库和上传文件到一个存档（含清单：每张表的行数和校验和、每个文件的校验和）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, default=None, help="存档目录（默认 var/backups）")
        parser.add_argument("--keep", type=int, default=None, help="只保留最新的 N 个存档，删除更旧的")
        parser.add_argument("--database", default="default", help="数据库别名（默认 default）")

    def handle(self, *args: Any, **options: Any) -> None:
        out = options["out"] or Path(settings.VAR_DIR) / "backups"
        keep = options["keep"]
        if keep is not None and keep < 1:
            raise CommandError(_("--keep 至少为 1。"))
        try:
            archive = backup.create_backup(out, using=options["database"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("备份完成：%(path)s") % {"path": archive})
        if keep is not None:
            for path in backup.prune(out, keep):
                self.stdout.write(f"removed old archive {path.name}")
