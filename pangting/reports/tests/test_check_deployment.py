"""`manage.py check_deployment` (issue 15, a deployment that grows): each check passes on a sound
installation and fails, with a Chinese line saying why, on a broken one."""

from __future__ import annotations

import datetime as dt
import os
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from pangting.core import clock
from pangting.core.jobs import run_job
from pangting.core.models import Job, OutboxMessage
from pangting.reports.management.commands import check_deployment as deployment

pytestmark = pytest.mark.django_db


def statuses(results) -> dict[str, str]:
    return {r.subject: r.status for r in results}


def test_debug_fails_and_a_local_only_host_list_is_flagged():
    with override_settings(DEBUG=True, ALLOWED_HOSTS=["localhost"]):
        found = statuses(deployment.check_settings())
    assert found["调试模式"] == deployment.FAIL and found["访问域名"] == deployment.WARN
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["pangting.example.edu.cn"]):
        found = statuses(deployment.check_settings())
    assert found["调试模式"] == deployment.PASS and found["访问域名"] == deployment.PASS


def test_the_test_database_is_migrated_and_an_unapplied_migration_fails(monkeypatch):
    assert statuses(deployment.check_database())["数据库迁移"] == deployment.PASS

    class Pending:
        app_label, name = "observation", "9999_future"

    monkeypatch.setattr(deployment.MigrationExecutor, "migration_plan", lambda self, targets: [(Pending(), False)])
    results = list(deployment.check_database())
    failed = next(r for r in results if r.subject == "数据库迁移")
    assert failed.status == deployment.FAIL and "observation.9999_future" in failed.detail


def test_static_files_not_collected_fail(tmp_path):
    (tmp_path / "css").mkdir()
    result = next(deployment.check_static(tmp_path))
    assert result.status == deployment.FAIL and "collectstatic" in result.detail


def test_directories_need_room(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    with override_settings(VAR_DIR=tmp_path, MEDIA_ROOT=media):
        assert {r.status for r in deployment.check_directories(0)} == {deployment.PASS}
        assert {r.status for r in deployment.check_directories(10**9)} == {deployment.FAIL}
    with override_settings(VAR_DIR=tmp_path / "absent", MEDIA_ROOT=media):
        assert statuses(deployment.check_directories(0))["数据目录"] == deployment.FAIL


def test_a_year_the_calendar_does_not_know_fails_and_next_year_is_asked_for_in_november():
    assert next(deployment.check_calendar(dt.date(2090, 3, 1))).status == deployment.FAIL
    known = deployment.CalendarYear.objects.order_by("-year").values_list("year", flat=True).first()
    assert next(deployment.check_calendar(dt.date(known, 11, 20))).status == deployment.WARN
    assert next(deployment.check_calendar(dt.date(known, 5, 20))).status == deployment.PASS


def test_failed_and_stuck_messages_are_flagged():
    assert next(deployment.check_outbox()).status == deployment.PASS
    OutboxMessage.objects.create(dedup_key="k1", channel="email", state=OutboxMessage.State.FAILED,
                                 created_at=clock.now())  # fmt: skip
    result = next(deployment.check_outbox())
    assert result.status == deployment.WARN and "放弃发送 1 条" in result.detail


def test_an_old_or_missing_backup_fails(tmp_path):
    assert next(deployment.check_backup(tmp_path)).status == deployment.FAIL
    archive = tmp_path / "pangting-backup-20261201T010000Z.tar.gz"
    archive.write_bytes(b"x")
    now = clock.now()
    os.utime(archive, (now.timestamp(), (now - dt.timedelta(days=3)).timestamp()))
    assert next(deployment.check_backup(tmp_path, now)).status == deployment.FAIL
    os.utime(archive, (now.timestamp(), (now - dt.timedelta(hours=5)).timestamp()))
    assert next(deployment.check_backup(tmp_path, now)).status == deployment.PASS


def test_the_command_exits_with_an_error_when_a_check_fails(tmp_path):
    out = StringIO()
    with time_machine.travel(dt.datetime(2090, 3, 1, tzinfo=dt.UTC)), pytest.raises(CommandError, match="未通过"):
        call_command("check_deployment", "--backup-dir", str(tmp_path), stdout=out)
    text = out.getvalue()
    assert "[未通过] 工作日日历" in text and "[未通过] 备份" in text and "[通过] 后台任务" in text


def test_tasks_waiting_with_no_worker_at_work_fail_and_a_busy_worker_behind_is_flagged():
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    assert next(deployment.check_worker(10, start)).detail == "无积压。尚无任务。"
    with time_machine.travel(start, tick=False):
        first, _second = run_job.enqueue("a-job"), run_job.enqueue("another-job")
    assert next(deployment.check_worker(10, start + dt.timedelta(minutes=9))).status == deployment.PASS
    result = next(deployment.check_worker(10, start + dt.timedelta(minutes=11)))
    assert result.status == deployment.FAIL and "2 个任务已等待 10 分钟以上" in result.detail
    with time_machine.travel(start + dt.timedelta(minutes=8), tick=False):
        DBTaskResult.objects.get(id=first.id).claim("worker-1")  # a worker took one: it is at work
    result = next(deployment.check_worker(10, start + dt.timedelta(minutes=15)))
    assert result.status == deployment.WARN and "1 个任务已等待" in result.detail and "跟不上" in result.detail
    result = next(deployment.check_worker(10, start + dt.timedelta(minutes=19)))
    assert result.status == deployment.FAIL  # nothing claimed or finished for 11 minutes


@override_settings(PANGTING_JOB_STALE_SECONDS=600)
def test_an_attempt_gone_silent_is_flagged():
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    Job.objects.create(kind="tests.any", title="计数", status=Job.Status.RUNNING, heartbeat_at=start)
    with time_machine.travel(start + dt.timedelta(minutes=11), tick=False):
        result = next(deployment.check_worker(10))
    assert result.status == deployment.WARN and "1 个任务长时间没有进展" in result.detail
