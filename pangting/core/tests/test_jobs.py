"""Jobs run by the real worker (`manage.py db_worker --batch`), with retries (issue 15 item 5).

The worker claims jobs from the test database as it does in production (SELECT ... FOR UPDATE
SKIP LOCKED on PostgreSQL, an exclusive transaction on SQLite), so these tests commit
(transaction=True) and run on both databases (`make test-sqlite`, `make test-postgres`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from pangting.core import clock, jobs
from pangting.core.models import Job
from pangting.core.tests.worker import run_worker
from pangting.tests.builders import make_user
from pangting.tests.conftest import make_client

pytestmark = pytest.mark.django_db(transaction=True)

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
failures_left: dict[str, int] = {}


def count_to(job: Job, *, to: int) -> dict[str, Any]:
    """A job that counts, reporting each step, and leaves a small file to download."""
    for done in range(1, to + 1):
        jobs.progress(job, done, to, "已处理{done}项。", done=done)
    (jobs.job_dir(job) / "count.txt").write_text(str(to), encoding="utf-8")
    return {"file": "count.txt", "content_type": "text/plain"}


def flaky(job: Job, *, name: str) -> dict[str, Any]:
    """Fails while `failures_left[name]` is above zero, then succeeds."""
    if failures_left.get(name, 0) > 0:
        failures_left[name] -= 1
        raise RuntimeError("数据库暂时不可用")
    return {"url": "/"}


jobs.register("tests.count_to", count_to)
jobs.register("tests.flaky", flaky)


@pytest.fixture(autouse=True)
def job_files(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path  # the jobs' files go to the test's own folder


def test_it_runs_a_job_through_the_worker_with_progress_and_a_file():
    user = make_user("starter")
    with time_machine.travel(START, tick=False):
        job = jobs.start("tests.count_to", title="计数", actor=user, params={"to": 3})
        assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
        run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done, job.total, job.percent) == (Job.Status.DONE, 1, 3, 3, 100)
    assert job.finished_at == START and job.created_by == user
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"
    client = make_client()
    client.force_login(user)
    partial = client.get(reverse("job_progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in partial and "已完成" in partial and "结果保留7天" in partial
    download = client.get(reverse("job_download", args=[job.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"3"


def test_it_retries_a_failed_attempt_after_the_backoff_and_then_succeeds():
    user = make_user("starter")
    failures_left["once"] = 1
    with time_machine.travel(START, tick=False) as traveller:
        job = jobs.start(
            "tests.flaky", title="不稳定", actor=user, params={"name": "once"}, retries=2, retry_seconds=60
        )
        run_worker()
        job.refresh_from_db()
        assert (job.status, job.attempts) == (Job.Status.RETRYING, 1)
        assert job.message["params"]["seconds"] == 60 and "数据库暂时不可用" in job.error
        first, second = DBTaskResult.objects.exclude(id=job.task_id).get(), DBTaskResult.objects.get(id=job.task_id)
        assert first.status == "FAILED" and "RuntimeError" in first.exception_class_path
        assert second.status == "READY" and second.run_after == START + dt.timedelta(seconds=60)

        run_worker()  # too early: the retry waits for its time
        job.refresh_from_db()
        assert job.status == Job.Status.RETRYING

        traveller.shift(dt.timedelta(seconds=61))
        run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result) == (Job.Status.DONE, 2, {"url": "/"})
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"


def test_it_fails_clearly_when_the_retries_are_spent():
    user = make_user("starter")
    failures_left["always"] = 99
    job = jobs.start("tests.flaky", title="总是失败", actor=user, params={"name": "always"}, retries=2, retry_seconds=0)
    run_worker()  # no backoff: the worker takes each retry in the same batch
    job.refresh_from_db()
    assert (job.status, job.attempts, job.max_attempts) == (Job.Status.FAILED, 3, 3)
    assert DBTaskResult.objects.filter(status="FAILED").count() == 3
    client = make_client()
    client.force_login(user)
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "失败" in page and "共尝试3次" in page and "数据库暂时不可用" in page and "hx-trigger" not in page
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 404


def test_a_running_job_is_polled_and_only_its_starter_sees_it():
    starter, other = make_user("starter"), make_user("other")
    job = jobs.start("tests.count_to", title="计数", actor=starter, params={"to": 1})
    mine = make_client()
    mine.force_login(starter)
    page = mine.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and "排队" in page
    theirs = make_client()
    theirs.force_login(other)
    for name in ("job_detail", "job_progress", "job_download"):
        assert theirs.get(reverse(name, args=[job.pk])).status_code == 404
        assert make_client().get(reverse(name, args=[job.pk])).status_code == 302  # to the login page


def test_it_refuses_an_unknown_kind_before_queueing_anything():
    with pytest.raises(LookupError):
        jobs.start("tests.nothing", title="无", actor=None)
    assert not Job.objects.exists() and not DBTaskResult.objects.exists()


@override_settings(PANGTING_JOB_KEEP_DAYS=7)
def test_it_purges_finished_jobs_and_their_files_after_the_keeping_days():
    user = make_user("starter")
    with time_machine.travel(START, tick=False):
        job = jobs.start("tests.count_to", title="计数", actor=user, params={"to": 1})
        run_worker()
        waiting = jobs.start("tests.count_to", title="计数", actor=user, params={"to": 1})
    folder = jobs.job_dir(job)
    with time_machine.travel(START + dt.timedelta(days=6), tick=False):
        call_command("purge_jobs", verbosity=0)
    assert Job.objects.count() == 2 and (folder / "count.txt").exists()
    with time_machine.travel(START + dt.timedelta(days=8), tick=False):
        call_command("purge_jobs", verbosity=0)
    assert list(Job.objects.all()) == [waiting] and not folder.exists()
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["READY"]


class Killed(BaseException):
    """The worker's process ends in the middle of an attempt (SIGKILL, a stopped server)."""


def dies_once(job: Job, *, name: str) -> dict[str, Any]:
    """Reports progress, then its worker dies while `failures_left[name]` is above zero."""
    jobs.progress(job, 1, 2, "已处理{done}项。", done=1)
    if failures_left.get(name, 0) > 0:
        failures_left[name] -= 1
        raise Killed
    return {"url": "/"}


def overtaken(job: Job) -> dict[str, Any]:
    """Goes silent past the stale limit: meanwhile a sweep elsewhere takes it as interrupted."""
    if job.attempts == 1:
        with time_machine.travel(clock.now() + dt.timedelta(hours=1), tick=False):
            assert jobs.recover_stale() == 1
    return {"url": f"/attempt-{job.attempts}"}


jobs.register("tests.dies_once", dies_once)
jobs.register("tests.overtaken", overtaken)


def run_dying_worker(monkeypatch: Any) -> None:
    """The worker as if killed: nothing records the attempt's end, its rows stay running."""

    def no_record(self: DBTaskResult, error: BaseException) -> None:
        raise error

    with monkeypatch.context() as patched:
        patched.setattr(DBTaskResult, "set_failed", no_record)
        with pytest.raises(Killed):
            run_worker()


@override_settings(PANGTING_JOB_STALE_SECONDS=600)
def test_an_attempt_whose_worker_died_is_queued_again_once_stale(monkeypatch):
    user = make_user("starter")
    failures_left["killed"] = 1
    with time_machine.travel(START, tick=False) as traveller:
        job = jobs.start("tests.dies_once", title="中途停止", actor=user, params={"name": "killed"}, retries=1)
        run_dying_worker(monkeypatch)
        job.refresh_from_db()
        assert (job.status, job.attempts, job.heartbeat_at) == (Job.Status.RUNNING, 1, START)
        traveller.shift(dt.timedelta(seconds=600))  # at the limit, not past it
        call_command("purge_jobs", verbosity=0)
        assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
        traveller.shift(dt.timedelta(seconds=1))
        call_command("purge_jobs", verbosity=0)
        job.refresh_from_db()
        assert (job.status, job.message["params"]) == (Job.Status.RETRYING, {"attempt": 1, "minutes": 10})
        killed = DBTaskResult.objects.exclude(id=job.task_id).get()
        assert killed.status == "FAILED" and killed.exception_class_path.endswith("Interrupted")
        run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result) == (Job.Status.DONE, 2, {"url": "/"})


@override_settings(PANGTING_JOB_STALE_SECONDS=600)
def test_the_page_of_a_stale_job_without_attempts_left_shows_it_interrupted(monkeypatch):
    user = make_user("starter")
    failures_left["killed"] = 1
    with time_machine.travel(START, tick=False) as traveller:
        job = jobs.start("tests.dies_once", title="中途停止", actor=user, params={"name": "killed"}, retries=0)
        run_dying_worker(monkeypatch)
        client = make_client()
        client.force_login(user)
        assert 'hx-trigger="every 2s"' in client.get(reverse("job_progress", args=[job.pk])).content.decode()
        traveller.shift(dt.timedelta(minutes=11))
        partial = client.get(reverse("job_progress", args=[job.pk])).content.decode()
    assert "执行中断" in partial and "10分钟没有进展" in partial and "hx-trigger" not in partial
    job.refresh_from_db()
    assert (job.status, job.finished_at) == (Job.Status.FAILED, START + dt.timedelta(minutes=11))
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()


def test_an_attempt_taken_as_interrupted_cannot_overwrite_the_next_one():
    user = make_user("starter")
    with time_machine.travel(START, tick=False):
        job = jobs.start("tests.overtaken", title="被接替", actor=user, retries=1)
        # The first attempt returns after the sweep queued the job again: its outcome is dropped,
        # and the worker takes the second attempt in the same batch.
        run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result) == (Job.Status.DONE, 2, {"url": "/attempt-2"})
