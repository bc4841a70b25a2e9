"""Long work as jobs: started from a page, run by a worker, polled for progress (issue 15).

A job is a `core.models.Job` row (what the page shows) plus a task on Django's Tasks interface
(the `django_tasks` backport with the `django_tasks_db` backend): `manage.py db_worker` claims
it from the database (SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, so any number of workers
on any number of servers share the queue; SQLite works with one) and calls `run_job`.

The backend has no retries, so this module adds them: a failed attempt is logged and, while
attempts are left, enqueued again after `retry_seconds`, doubled at each attempt; the last
failure leaves the job failed with the reason. Each app registers its kinds of work in its
`AppConfig.ready` (`register("reports.ledgers", "pangting.reports.jobs.export_ledgers")`); a job
function takes the job and its parameters, reports progress with `progress`, and returns the
result to keep (`{"file": name}` for a download written under `job_dir(job)`).

A worker killed in the middle of an attempt (a restart, a stopped server) leaves no failure
behind, so every attempt keeps a heartbeat: its start, then each `progress`. An attempt silent for
`PANGTING_JOB_STALE_SECONDS` is *stale*: `recover_stale` takes it as interrupted, marks the
worker's row failed, and queues the job again while attempts are left (an interruption is as
transient as any failure), else fails it with the reason. The job's page does this for the job it
shows; `manage.py purge_jobs` (an hourly timer) for all. Should the old attempt come back to
life after all, it finds the job no longer its own and its outcome is dropped (`_settle`).

Finished jobs, their files and the workers' rows are kept `PANGTING_JOB_KEEP_DAYS` days, then
removed by `purge` (`manage.py purge_jobs`).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pangting.core import clock
from pangting.lib.messages import N_, Message, message_of, to_json

from .models import Job

logger = logging.getLogger("pangting.jobs")

JobFunction = Callable[..., dict[str, Any] | None]

_kinds: dict[str, JobFunction | str] = {}


class Refused(Exception):
    """A failure that trying again cannot mend (the user lost access, the input is wrong): the
    job fails at once with this message, whatever retries are left."""


def register(kind: str, function: JobFunction | str) -> None:
    """Make `kind` runnable: `function(job, **params)` (or its dotted path, imported when run)."""
    _kinds[kind] = function


def _function(kind: str) -> JobFunction:
    function = _kinds.get(kind)
    if function is None:
        raise LookupError(f"unknown job kind: {kind}")
    if isinstance(function, str):
        function = _kinds[kind] = import_string(function)
    return function


def start(
    kind: str,
    *,
    title: str,
    actor: Any,
    params: dict[str, Any] | None = None,
    organization: Any = None,
    action: str = "",
    retries: int | None = None,
    retry_seconds: int | None = None,
) -> Job:
    """Store a job and queue its first attempt (both or neither). `retries` defaults to
    PANGTING_JOB_RETRIES; `action` is what the policy must still grant to see the job."""
    _function(kind)  # an unknown kind is refused here, not in the worker
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, title=title, params=params or {}, created_by=actor if getattr(actor, "pk", None) else None,
            organization=organization, action=action, created_at=clock.now(),
            max_attempts=1 + (settings.PANGTING_JOB_RETRIES if retries is None else retries),
            retry_seconds=settings.PANGTING_JOB_RETRY_SECONDS if retry_seconds is None else retry_seconds,
            message=to_json(Message(N_("排队等待执行。"))),
        )  # fmt: skip
        _enqueue(job, delay=0)
    logger.info("job %s (%s) queued, %d attempt(s) allowed", job.pk, kind, job.max_attempts)
    return job


def _enqueue(job: Job, *, delay: int) -> None:
    queued = run_job.using(run_after=clock.now() + dt.timedelta(seconds=delay)) if delay else run_job
    result = queued.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.task_id = str(result.id)


def progress(job: Job, done: int, total: int | None = None, message: str = "", /, **params: Any) -> None:
    """Record how far the job got (`done` of `total`) with a message (a msgid marked with N_),
    written at once so the polling page sees it while the work goes on."""
    fields: dict[str, Any] = {"done": done, "heartbeat_at": clock.now()}
    if total is not None:
        fields["total"] = total
    if message:
        fields["message"] = to_json(Message(message, **params))
    Job.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def job_dir(job: Job) -> Path:
    """Where a job writes its files (removed with the job by `purge`)."""
    path = Path(settings.VAR_DIR) / "jobs" / str(job.pk)
    path.mkdir(parents=True, exist_ok=True)
    return path


def result_file(job: Job) -> Path | None:
    """The file a finished job produced, or None (no file, or already purged)."""
    name = job.result.get("file") if job.status == Job.Status.DONE else None
    if not name:
        return None
    path = Path(settings.VAR_DIR) / "jobs" / str(job.pk) / Path(str(name)).name
    return path if path.is_file() else None


def _save(job: Job, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))


def _settle(job: Job, attempt: int, **fields: Any) -> bool:
    """Write an attempt's outcome, unless the job is no longer that attempt's (the stale sweep
    took it as interrupted meanwhile): False then, and nothing is written."""
    if not Job.objects.filter(pk=job.pk, attempts=attempt, status=Job.Status.RUNNING).update(**fields):
        logger.warning("job %s: attempt %d was taken as interrupted; its outcome is dropped", job.pk, attempt)
        return False
    for name, value in fields.items():
        setattr(job, name, value)
    return True


@task()
def run_job(job_id: str) -> None:
    """One attempt at a job (called by the worker). A failure is re-raised after it is recorded,
    so the worker's own row of this attempt says failed too."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        logger.warning("job %s: nothing to run (purged or already finished)", job_id)
        return
    attempt = job.attempts + 1
    now = clock.now()
    _save(
        job, status=Job.Status.RUNNING, attempts=attempt, started_at=now, heartbeat_at=now,
        message=to_json(Message(N_("正在执行（第{attempt}次）。"), attempt=attempt)),
    )  # fmt: skip
    logger.info("job %s (%s) attempt %d of %d started", job.pk, job.kind, attempt, job.max_attempts)
    try:
        result = _function(job.kind)(job, **job.params)
    except Exception as error:
        job.refresh_from_db(fields=["done", "total"])
        reason = message_of(error)
        if attempt < job.max_attempts and not isinstance(error, Refused):
            delay = job.retry_seconds * 2 ** (attempt - 1)
            with transaction.atomic():
                settled = _settle(
                    job, attempt, status=Job.Status.RETRYING, error=traceback.format_exc()[-4000:],
                    message=to_json(Message(
                        N_("第{attempt}次执行失败（{reason}），{seconds}秒后重试。"),
                        attempt=attempt, reason=reason, seconds=delay,
                    )),
                )  # fmt: skip
                if settled:
                    _enqueue(job, delay=delay)
            logger.warning("job %s (%s) attempt %d failed, retry in %ds: %s", job.pk, job.kind, attempt, delay, error)
        else:
            failed = Message(N_("执行失败（共尝试{attempts}次）：{reason}"), attempts=attempt, reason=reason)
            _settle(
                job, attempt, status=Job.Status.FAILED, finished_at=clock.now(),
                error=traceback.format_exc()[-4000:], message=to_json(failed),
            )  # fmt: skip
            logger.error("job %s (%s) failed after %d attempt(s): %s", job.pk, job.kind, attempt, error)
        raise
    settled = _settle(
        job, attempt, status=Job.Status.DONE, finished_at=clock.now(), result=result or {}, error="",
        done=max(job.done, job.total), message=to_json(Message(N_("已完成。"))),
    )  # fmt: skip
    if settled:
        logger.info("job %s (%s) done at attempt %d", job.pk, job.kind, attempt)


def stale_since(now: dt.datetime | None = None) -> dt.datetime:
    """An attempt whose last heartbeat is older than this is stale (PANGTING_JOB_STALE_SECONDS)."""
    return (now or clock.now()) - dt.timedelta(seconds=settings.PANGTING_JOB_STALE_SECONDS)


def stale_jobs() -> models.QuerySet[Job]:
    """The running attempts that stopped reporting: the one definition of "stale"."""
    return Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=stale_since())


def recover_stale(pk: Any = None) -> int:
    """Take the stale attempts (of the job `pk`, or all) as interrupted: the worker's row of the
    attempt is marked failed, and the job is queued again at once while attempts are left, else
    failed with the reason. The number of jobs recovered."""
    minutes = max(1, settings.PANGTING_JOB_STALE_SECONDS // 60)
    candidates = stale_jobs() if pk is None else stale_jobs().filter(pk=pk)
    recovered = 0
    for job_id in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            job = stale_jobs().select_for_update().filter(pk=job_id).first()
            if job is None:  # settled, or recovered by another sweep meanwhile
                continue
            now = clock.now()
            DBTaskResult.objects.filter(id=job.task_id, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED, finished_at=now,
                exception_class_path="pangting.core.jobs.Interrupted",
                traceback=f"no progress for {minutes} minutes: the worker was stopped",
            )  # fmt: skip
            if job.attempts < job.max_attempts:
                _save(
                    job, status=Job.Status.RETRYING, message=to_json(Message(
                        N_("第{attempt}次执行中断（{minutes}分钟没有进展，执行进程可能已停止），已重新排队。"),
                        attempt=job.attempts, minutes=minutes,
                    )),
                )  # fmt: skip
                _enqueue(job, delay=0)
            else:
                _save(
                    job, status=Job.Status.FAILED, finished_at=now, message=to_json(Message(
                        N_("执行中断（{minutes}分钟没有进展，执行进程可能已停止；共尝试{attempts}次）。"),
                        minutes=minutes, attempts=job.attempts,
                    )),
                )  # fmt: skip
        logger.warning("job %s (%s) attempt %d interrupted (silent %d min)", job.pk, job.kind, job.attempts, minutes)
        recovered += 1
    return recovered


def purge(*, days: int | None = None) -> int:
    """Remove the jobs finished more than `days` (PANGTING_JOB_KEEP_DAYS) ago, their files and
    the workers' finished rows of the same age; the number of jobs removed."""
    keep = settings.PANGTING_JOB_KEEP_DAYS if days is None else days
    cutoff = clock.now() - dt.timedelta(days=keep)
    old = Job.objects.filter(status__in=Job.FINISHED, finished_at__lt=cutoff)
    removed = 0
    for pk in old.values_list("pk", flat=True).iterator():
        shutil.rmtree(Path(settings.VAR_DIR) / "jobs" / str(pk), ignore_errors=True)
        removed += Job.objects.filter(pk=pk).delete()[0]
    DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return removed
