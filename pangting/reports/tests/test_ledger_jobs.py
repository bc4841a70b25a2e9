"""Large ledger exports go through the background worker (issue 15): the page asks, the worker
writes the same workbook with its progress, the job's page offers the download."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from pangting.core.models import Job
from pangting.core.tests.worker import run_worker
from pangting.reports import ledgers
from pangting.reports.tests.test_ledgers import build_scene

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def small_limit(settings: Any, tmp_path: Any) -> None:
    settings.PANGTING_LEDGER_JOB_ROWS = 1  # every export with two rows or more is "large" here
    settings.VAR_DIR = tmp_path


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_large_export_is_written_by_the_worker_and_downloaded_from_the_job_page(world):
    build_scene(world)
    client = signed_in(world.supervisor)
    page = client.get(reverse("reports:ledger_export"), {"kind": "all", "year": "2026"})
    assert page.status_code == 200 and "在后台生成" in page.content.decode()
    response = client.post(reverse("reports:ledger_export_job"), {"kind": "all", "year": "2026"})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("job_detail", args=[job.pk])
    assert (job.kind, job.status, job.created_by) == ("reports.ledgers", Job.Status.QUEUED, world.supervisor)

    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.total >= 2 and job.result["file"] == "台账汇总-2026.xlsx"
    partial = client.get(reverse("job_progress", args=[job.pk])).content.decode()
    assert reverse("job_download", args=[job.pk]) in partial
    download = client.get(reverse("job_download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == ledgers.XLSX_CONTENT_TYPE
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert "学习会台账" in book.sheetnames
    assert signed_in(world.secretary_b).get(reverse("job_download", args=[job.pk])).status_code == 404


def test_a_small_export_still_streams_in_the_request(world, settings):
    settings.PANGTING_LEDGER_JOB_ROWS = 10_000
    build_scene(world)
    response = signed_in(world.supervisor).get(reverse("reports:ledger_export"), {"kind": "all", "year": "2026"})
    assert response["Content-Type"] == ledgers.XLSX_CONTENT_TYPE and not Job.objects.exists()


def test_the_worker_asks_the_policy_again_and_refuses_without_retrying(world):
    build_scene(world)
    client = signed_in(world.secretary_a)
    client.post(reverse("reports:ledger_export_job"), {"kind": "all", "year": "2026", "unit": str(world.unit_a.pk)})
    job = Job.objects.get()
    job.params["unit_id"] = world.unit_b.pk  # as if the reach had shrunk since the export was asked
    job.save(update_fields=["params"])
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.FAILED, 1)
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "不在您的查看范围内" in page


def test_the_download_of_several_kinds_needs_every_kind_still(world, monkeypatch):
    from pangting.accounts import policy
    from pangting.accounts.models import Role

    build_scene(world)
    client = signed_in(world.supervisor)
    client.post(reverse("reports:ledger_export_job"), {"kind": "all", "year": "2026"})
    run_worker()
    job = Job.objects.get()
    assert job.params["actions"] == ["observation.view", "study.view"]
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 200
    # The supervisor's role no longer grants the observation ledgers; the study ones it still does.
    monkeypatch.delitem(policy.GRANTS[Role.SUPERVISOR], policy.Action.OBSERVATION_VIEW)
    assert policy.can(world.supervisor, policy.Action.STUDY_VIEW)
    for name in ("job_detail", "job_progress", "job_download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
