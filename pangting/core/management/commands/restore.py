"""Check a backup archive, or restore it into an empty database (pangting/core/backup.py).

    manage.py restore ARCHIVE --verify   # check the archive against its manifest, restore nothing
    manage.py restore ARCHIVE            # restore into an empty database, then compare checksums
    manage.py restore ARCHIVE --force    # also over a database that has tables (overwrites them)

Stop the server before restoring.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pangting.core import backup


class Command(BaseCommand):
    help = "核对备份存档（--verify），或把它恢复到空数据库并核对校验和。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="备份存档（.tar.gz）")
        parser.add_argument("--verify", action="store_true", help="只核对存档与清单，不恢复")
        parser.add_argument("--force", action="store_true", help="目标数据库不为空时也恢复（覆盖）")
        parser.add_argument("--database", default="default", help="数据库别名（默认 default）")

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        try:
            if options["verify"]:
                check = backup.verify_archive(archive, using=options["database"])
            else:
                check = backup.restore_backup(archive, using=options["database"], force=options["force"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for note in check.notes:
            self.stdout.write(note)
        if not check.ok:
            for problem in check.problems:
                self.stderr.write(problem)
            if options["verify"]:
                raise CommandError(_("存档核对失败：发现 %(count)s 处不一致。") % {"count": len(check.problems)})
            raise CommandError(_("恢复后核对失败：发现 %(count)s 处不一致。") % {"count": len(check.problems)})
        figures = {"tables": check.tables, "rows": check.rows, "files": check.files}
        if options["verify"] and check.tables_checked:
            self.stdout.write(_("存档完好：%(tables)s 张表、%(rows)s 行、%(files)s 个文件均与清单一致。") % figures)
        elif options["verify"]:
            self.stdout.write(
                _("存档完好：数据库文件和 %(files)s 个文件与清单一致；%(tables)s 张表的校验和在恢复后核对。") % figures
            )
        else:
            self.stdout.write(_("恢复完成：%(tables)s 张表、%(rows)s 行、%(files)s 个文件均与清单一致。") % figures)
