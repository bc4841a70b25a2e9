"""The year work file (R-O1, R-O15): one zip, every document opens, the index lists every file."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import docx
import openpyxl
import pytest
from django.urls import reverse

from pangting.observation import services
from pangting.observation.models import State

from .scenes import session_on, travel, walk

pytestmark = pytest.mark.django_db


def test_it_downloads_one_zip_whose_files_all_open_and_are_all_indexed(world, client_for):
    walk(world, State.CLOSED)
    with travel("2026-10-08"):
        cross = services.invite_cross_observation(
            world.unit_a, world.unit_b, actor=world.secretary_a, session=session_on(world, "2026-10-09")
        )
    with travel("2026-10-10"):
        services.report_cross_observation(cross, actor=world.secretary_b, report="学习扎实。")
    response = client_for(world.supervisor).get(reverse("observation:year_file"), {"year": 2026})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    docx_names = [n for n in names if n.endswith(".docx")]
    assert {n.split("/")[0] for n in docx_names} == {"02_函告", "03_列席旁听记录表", "04_反馈意见"}
    assert "02_函告/示大宣函〔2026〕1号_甲学院党委.docx" in names
    for name in docx_names:
        document = docx.Document(io.BytesIO(archive.read(name)))
        assert document.paragraphs  # opens in python-docx
    workbooks = {n: openpyxl.load_workbook(io.BytesIO(archive.read(n))) for n in names if n.endswith(".xlsx")}
    index = workbooks.pop("00_索引.xlsx").active
    rows = list(index.iter_rows(min_row=2, values_only=True))
    assert sorted(row[1] for row in rows) == sorted(n for n in names if n != "00_索引.xlsx")
    letter = next(row for row in rows if row[2] == "函告")
    assert letter[3] == "甲学院党委" and letter[4] == "示大宣函〔2026〕1号" and letter[5] is not None
    ledger = next(wb for n, wb in workbooks.items() if "整改台账" in n).active
    assert ledger.cell(2, 2).value == "甲学院党委" and ledger.cell(2, 7).value == "已验收"
    crosses = next(wb for n, wb in workbooks.items() if "交叉旁听台账" in n).active
    assert crosses.cell(2, 3).value == "甲学院党委" and crosses.cell(2, 4).value == "乙学院党委"
    plan = next(wb for n, wb in workbooks.items() if n.startswith("01_")).active
    assert plan.cell(2, 2).value == "甲学院党委" and plan.cell(2, 7).value == "已办结"


def test_it_holds_an_empty_year_as_ledgers_with_headers_only(world, client_for):
    response = client_for(world.supervisor).get(reverse("observation:year_file"), {"year": 2024})
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == [
        "00_索引.xlsx", "01_2024年度巡听旁听计划.xlsx", "05_2024年整改台账.xlsx", "06_2024年交叉旁听台账.xlsx",
        "07_2024年谈话调阅座谈点评抽查记录.xlsx",
    ]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_worker_writes_the_same_zip_for_the_job_page(world, client_for, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    from pangting.core.models import Job
    from pangting.core.tests.worker import run_worker

    walk(world, State.CLOSED)
    client = client_for(world.supervisor)
    response = client.post(reverse("observation:year_file_job"), {"year": "2026"})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("job_detail", args=[job.pk])
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result["file"] == "2026年度巡听旁听工作档案.zip"
    download = client.get(reverse("job_download", args=[job.pk]))
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert "02_函告/示大宣函〔2026〕1号_甲学院党委.docx" in names
    # The download needs the role the work needed still: a supervisor who lost it gets 404.
    world.supervisor.role_assignments.update(valid_until=dt.date(2000, 1, 1))
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 404


def test_a_long_build_reports_its_progress_so_the_job_keeps_its_heartbeat(world, monkeypatch):
    # A job silent for PANGTING_JOB_STALE_SECONDS counts as interrupted (core.jobs): the year file
    # reports as it writes files, not only at its start.
    from pangting.core import jobs
    from pangting.core.models import Job
    from pangting.observation import yearfile

    walk(world, State.CLOSED)
    monkeypatch.setattr(yearfile, "PROGRESS_EVERY", 1)
    job = Job.objects.create(kind="observation.year_file", title="档案", created_by=world.supervisor)
    seen: list[tuple[int, int]] = []
    beats = []

    def report(done: int, total: int) -> None:
        jobs.progress(job, done, total)
        seen.append((done, total))
        beats.append(Job.objects.values_list("heartbeat_at", flat=True).get(pk=job.pk))

    names = zipfile.ZipFile(yearfile.build_year_file(world.supervisor, 2026, report)).namelist()
    total = len(names)
    assert seen[-1] == (total, total) and [done for done, _ in seen[:-1]] == list(range(1, total))
    assert all(t == total for _, t in seen) and None not in beats
    job.refresh_from_db()
    assert (job.done, job.total) == (total, total)
