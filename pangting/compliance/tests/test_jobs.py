"""Full rule-check runs through the background worker (issue 15 item 5): from the findings page
and from the nightly timer (`check_compliance --enqueue`), with progress rule by rule.

The worker is the real one (`manage.py db_worker --batch`), so the tests commit."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from pangting.compliance.models import ComplianceRun, Finding
from pangting.compliance.registry import ordered_rules
from pangting.core import jobs as core_jobs
from pangting.core.models import Job
from pangting.core.system import is_system
from pangting.core.tests.worker import run_worker

from .builders import good_session, travel

# The worker commits; the working-day calendar the migrations load is put back after each test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TODAY = dt.date(2026, 11, 23)


def test_the_findings_page_runs_every_rule_in_the_background_with_progress_per_rule(world, client_for, monkeypatch):
    good_session(world, dt.date(2026, 9, 15), summary="", member_records=False)  # R-S7: no summary
    told: list[tuple[int, int | None, str]] = []
    progress = core_jobs.progress

    def spy(job: Job, done: int, total: int | None = None, message: str = "", /, **params: Any) -> None:
        told.append((done, total, params.get("rule", "")))
        progress(job, done, total, message, **params)

    monkeypatch.setattr(core_jobs, "progress", spy)
    client = client_for(world.supervisor)
    findings = reverse("compliance:finding_list") + "?year=2026"
    with travel(TODAY):
        assert "重新检查2026年全部单位" in client.get(findings).content.decode()
        response = client.post(reverse("compliance:run_all"), {"year": "2026"})
        job = Job.objects.get()
        assert response.url == reverse("job_detail", args=[job.pk]) and not ComplianceRun.objects.exists()
        run_worker()
        page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    job.refresh_from_db()
    rules = [rule.id for rule in ordered_rules()]
    assert (job.kind, job.status, job.done, job.total) == ("compliance.run", Job.Status.DONE, len(rules), len(rules))
    assert [rule for _done, _total, rule in told] == rules and told[0][:2] == (0, len(rules))
    run = ComplianceRun.objects.get()
    assert (run.trigger, run.actor, run.unit) == (ComplianceRun.Trigger.MANUAL, world.supervisor, None)
    assert Finding.objects.filter(rule_id="R-S7", unit=world.unit_a, year=2026).exists()
    assert "查看结果" in page and findings in page


def test_who_may_not_configure_the_checks_cannot_start_a_run(world, client_for):
    client = client_for(world.secretary_a)
    assert "重新检查" not in client.get(reverse("compliance:finding_list")).content.decode()
    assert client.post(reverse("compliance:run_all"), {"year": "2026"}).status_code == 404  # policy.require
    assert not Job.objects.exists()


def test_the_nightly_timer_queues_the_run_for_the_worker(world):
    good_session(world, dt.date(2026, 9, 15), summary="", member_records=False)
    out = StringIO()
    with travel(TODAY):
        call_command("check_compliance", "--enqueue", stdout=out)
        job = Job.objects.get()
        assert str(job.pk) in out.getvalue() and not ComplianceRun.objects.exists()
        assert (job.params, job.action) == ({"year": 2026, "changed": False}, "") and is_system(job.created_by)
        run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert ComplianceRun.objects.get().trigger == ComplianceRun.Trigger.SCHEDULE
    assert Finding.objects.filter(rule_id="R-S7", year=2026).exists()


def test_enqueue_checks_all_rules_and_units_only(world):
    with pytest.raises(CommandError, match="--enqueue"):
        call_command("check_compliance", "--enqueue", "--rule", "R-S7", stdout=StringIO())
    assert not Job.objects.exists()
