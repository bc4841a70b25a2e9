"""Check an installation before and after it serves users: settings, database, migrations,
collected static files, writable directories, disk space, the working-day calendar, the outbox,
the background worker and the latest backup.

    manage.py check_deployment [--min-free-gb 5] [--backup-dir /var/backups/pangting] [--worker-minutes 10]

Each line says 通过, 注意 (works, but look at it) or 未通过; the command exits with status 1 when
anything failed, so a deployment script or a monitoring probe can stop on it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import checks
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from pangting.core import clock, dates, jobs
from pangting.core.models import OutboxMessage
from pangting.workdays.models import CalendarYear

PASS, WARN, FAIL = "通过", "注意", "未通过"
BACKUP_MAX_AGE = dt.timedelta(days=2)


@dataclass(frozen=True)
class Result:
    status: str
    subject: str
    detail: str


def check_settings() -> Iterator[Result]:
    if settings.DEBUG:
        yield Result(FAIL, "调试模式", "PANGTING_DEBUG 已开启：生产环境必须关闭。")
    else:
        yield Result(PASS, "调试模式", "已关闭。")
    if getattr(settings, "HTTPS", False):
        yield Result(PASS, "HTTPS", "已启用（Cookie 仅经 HTTPS 发送，HSTS）。")
    else:
        yield Result(WARN, "HTTPS", "PANGTING_HTTPS 未开启：口令和会话以明文传输，离线记录的后台同步不可用。")
    local = {"127.0.0.1", "localhost", "[::1]"}
    if set(settings.ALLOWED_HOSTS) <= local:
        yield Result(WARN, "访问域名", "ALLOWED_HOSTS 只有本机地址，其他计算机无法访问。")
    else:
        yield Result(PASS, "访问域名", "、".join(h for h in settings.ALLOWED_HOSTS if h not in local))
    messages = checks.run_checks(include_deployment_checks=True)
    serious = [m for m in messages if m.is_serious() and not m.is_silenced()]
    minor = [m for m in messages if not m.is_serious() and not m.is_silenced()]
    if serious:
        yield Result(FAIL, "系统检查", "；".join(f"{m.id}: {m.msg}" for m in serious))
    elif minor:
        yield Result(WARN, "系统检查", "；".join(f"{m.id}: {m.msg}" for m in minor))
    else:
        yield Result(PASS, "系统检查", "无问题。")


def check_database(using: str = DEFAULT_DB_ALIAS) -> Iterator[Result]:
    connection = connections[using]
    try:
        connection.ensure_connection()
    except Exception as error:  # any driver error: the message says what
        yield Result(FAIL, "数据库", f"无法连接：{error}")
        return
    if connection.vendor == "postgresql":
        yield Result(PASS, "数据库", f"PostgreSQL {connection.pg_version // 10000}")  # type: ignore[attr-defined]
    else:
        yield Result(WARN, "数据库", f"{connection.vendor}：嵌入式数据库只适合单机试用，生产环境请用 PostgreSQL。")
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = "、".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
        more = f"等{len(plan)}项" if len(plan) > 5 else ""
        yield Result(FAIL, "数据库迁移", f"尚未执行：{names}{more}。请运行 manage.py migrate。")
    else:
        yield Result(PASS, "数据库迁移", "已全部执行。")


def check_static(root: Path | None = None) -> Iterator[Result]:
    if root is None and not settings.STATIC_ROOT:
        yield Result(FAIL, "静态文件", "STATIC_ROOT 未设置。")
        return
    root = Path(root or settings.STATIC_ROOT)
    missing = []
    total = 0
    for finder in finders.get_finders():
        for path, _storage in finder.list(["CVS", ".*", "*~"]):
            total += 1
            if not (root / path).is_file():
                missing.append(path)
    if missing:
        yield Result(
            FAIL, "静态文件", f"{len(missing)}/{total} 个未收集（如 {missing[0]}）。请运行 manage.py collectstatic。"
        )
    else:
        yield Result(PASS, "静态文件", f"{total} 个已收集到 {root}。")


def _writable(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def check_directories(min_free_gb: float) -> Iterator[Result]:
    for label, path in (("数据目录", Path(settings.VAR_DIR)), ("上传文件目录", Path(settings.MEDIA_ROOT))):
        if not _writable(path):
            yield Result(FAIL, label, f"{path} 不存在或不可写。")
            continue
        free_gb = shutil.disk_usage(path).free / 1024**3
        if free_gb < min_free_gb:
            yield Result(FAIL, label, f"{path} 剩余空间 {free_gb:.1f} GB，少于 {min_free_gb:g} GB。")
        else:
            yield Result(PASS, label, f"{path} 可写，剩余空间 {free_gb:.1f} GB。")


def check_calendar(today: dt.date | None = None) -> Iterator[Result]:
    today = today or clock.today()
    known = set(CalendarYear.objects.values_list("year", flat=True))
    if today.year not in known:
        yield Result(FAIL, "工作日日历", f"{today.year}年的节假日尚未录入：按工作日计算的期限无法计算。")
    elif today.month >= 11 and today.year + 1 not in known:
        yield Result(WARN, "工作日日历", f"{today.year + 1}年的节假日尚未录入（国务院通知发布后请及时录入）。")
    else:
        yield Result(PASS, "工作日日历", "、".join(f"{y}年" for y in sorted(known)[-3:]) + "已录入。")


def check_outbox(now: dt.datetime | None = None) -> Iterator[Result]:
    now = now or clock.now()
    week = now - dt.timedelta(days=7)
    failed = OutboxMessage.objects.filter(state=OutboxMessage.State.FAILED, created_at__gte=week).count()
    overdue = OutboxMessage.objects.filter(
        state=OutboxMessage.State.PENDING, next_attempt_at__lt=now - dt.timedelta(hours=1)
    ).count()
    if failed or overdue:
        parts = [f"近7天放弃发送 {failed} 条"] if failed else []
        if overdue:
            parts.append(f"{overdue} 条到期一小时以上仍未发送（deliver_outbox 是否定时运行？）")
        yield Result(WARN, "消息发送", "；".join(parts) + "。")
    else:
        yield Result(PASS, "消息发送", "无积压，无失败。")


def check_worker(minutes: int, now: dt.datetime | None = None) -> Iterator[Result]:
    """The worker's heartbeat is its work: it fails when a task has waited `minutes` and no worker
    claimed or finished any task in that time (none is running); a worker that is busy but behind,
    or an attempt gone silent (`jobs.stale_jobs`), is worth a look."""
    now = now or clock.now()
    since = now - dt.timedelta(minutes=minutes)
    due_long_ago = Q(run_after=get_date_max(), enqueued_at__lt=since) | Q(run_after__lt=since)
    waiting = DBTaskResult.objects.filter(due_long_ago, status=TaskResultStatus.READY).count()
    working = DBTaskResult.objects.filter(Q(started_at__gte=since) | Q(finished_at__gte=since)).exists()
    stale = jobs.stale_jobs().count()
    if waiting and not working:
        yield Result(
            FAIL, "后台任务", f"{waiting} 个任务已等待 {minutes} 分钟以上，期间没有执行进程领取或完成任务："
            "manage.py db_worker（pangting-worker@.service）是否在运行？",
        )  # fmt: skip
    elif waiting:
        yield Result(WARN, "后台任务", f"{waiting} 个任务已等待 {minutes} 分钟以上：执行进程跟不上，可增加执行进程。")
    elif stale:
        yield Result(
            WARN, "后台任务", f"{stale} 个任务长时间没有进展（执行进程可能已停止），purge_jobs 会重新排队或标记失败。"
        )
    else:
        claimed = DBTaskResult.objects.exclude(started_at=None).order_by("-started_at")
        latest = claimed.values_list("started_at", flat=True).first()
        shown = f"最近一次领取任务在 {dates.format_datetime(latest)}。" if latest else "尚无任务。"
        yield Result(PASS, "后台任务", f"无积压。{shown}")


def check_backup(directory: Path | None, now: dt.datetime | None = None) -> Iterator[Result]:
    if directory is None:
        yield Result(WARN, "备份", "未指定备份目录（--backup-dir），未检查。")
        return
    archives = sorted(directory.glob("pangting-backup-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not archives:
        yield Result(FAIL, "备份", f"{directory} 中没有备份。")
        return
    now = now or clock.now()
    latest = archives[-1]
    age = now - dt.datetime.fromtimestamp(latest.stat().st_mtime, tz=dt.UTC)
    if age > BACKUP_MAX_AGE:
        yield Result(FAIL, "备份", f"最近的备份 {latest.name} 已是 {age.days} 天前。")
    else:
        yield Result(PASS, "备份", f"最近的备份 {latest.name}。")


class Command(BaseCommand):
    help = "检查部署：设置、数据库及迁移、静态文件、目录和磁盘空间、工作日日历、消息发送、后台任务执行进程、备份。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--min-free-gb", type=float, default=5.0, help="数据目录至少应剩余的空间（GB）")
        parser.add_argument("--backup-dir", type=Path, help="备份目录（如 /var/backups/pangting）")
        parser.add_argument(
            "--worker-minutes", type=int, default=10, help="任务等待超过这么多分钟而无执行进程工作即为未通过"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        steps: list[Callable[[], Iterator[Result]]] = [
            check_settings,
            check_database,
            check_static,
            lambda: check_directories(options["min_free_gb"]),
            check_calendar,
            check_outbox,
            lambda: check_worker(options["worker_minutes"]),
            lambda: check_backup(options["backup_dir"]),
        ]
        failed = 0
        for step in steps:
            for result in step():
                failed += result.status == FAIL
                self.stdout.write(f"[{result.status}] {result.subject}：{result.detail}")
        if failed:
            raise CommandError(f"部署检查有 {failed} 项未通过。")
        self.stdout.write("部署检查通过。")
