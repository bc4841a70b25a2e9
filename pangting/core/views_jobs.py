"""A job's page, its progress (polled by htmx) and its file (`pangting.core.jobs`).

Only who started a job sees it, and only while the policy still grants the action the work
needed; anyone else, and a job that does not exist, get 404 (house style §3). A job shown while
its attempt is stale (its worker stopped) is recovered first, so the page never polls forever.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from pangting.lib.messages import from_json

from . import jobs, registry
from .audit import describe_download
from .i18n import render_message
from .models import Job


def job_for_user(user: Any, pk: uuid.UUID) -> Job:
    """The user's own job, or 404 once the policy no longer grants each action the work needed:
    the job's `action` and, for work of several kinds (a ledger export of several ledgers), every
    one in `params["actions"]`; at the job's organization, or anywhere for a job over the user's
    whole reach."""
    job = Job.objects.filter(pk=pk, created_by_id=getattr(user, "pk", None)).select_related("organization").first()
    if job is None:
        raise Http404
    listed = job.params.get("actions") if isinstance(job.params, dict) else None
    actions = {job.action, *(listed if isinstance(listed, list) else [])} - {""}
    for action in sorted(actions):
        if job.organization_id:
            still = Job.objects.filter(pk=pk).for_user(user, action).exists()
        else:
            still = registry.can(user, action)  # work over the user's whole reach (a year file, a ledger)
        if not still:
            raise Http404
    return job


def progress_context(job: Job) -> dict[str, Any]:
    """What `jobs/_progress.html` shows: the job, its message in the reader's language, its file."""
    return {
        "job": job,
        "job_message": render_message(from_json(job.message)) if job.message else "",
        "keep_days": settings.PANGTING_JOB_KEEP_DAYS,
    }


def _current(job: Job) -> Job:
    """The job, after taking its attempt as interrupted if it went stale (`jobs.recover_stale`)."""
    if job.status == Job.Status.RUNNING and jobs.recover_stale(job.pk):
        job.refresh_from_db()
    return job


@login_required
def job_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    job = _current(job_for_user(request.user, pk))
    return render(request, "jobs/detail.html", progress_context(job))


@login_required
def job_progress(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The progress partial; polled every 2 seconds until the job has finished."""
    job = _current(job_for_user(request.user, pk))
    return render(request, "jobs/_progress.html", progress_context(job))


@login_required
def job_download(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The file a finished job wrote, while it is kept (PANGTING_JOB_KEEP_DAYS)."""
    job = job_for_user(request.user, pk)
    path = jobs.result_file(job)
    if path is None:
        raise Http404
    describe_download(request, path.name, job=str(job.pk), kind=job.kind)
    response = FileResponse(path.open("rb"), content_type=job.result.get("content_type") or "application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(path.name)}"
    return response
