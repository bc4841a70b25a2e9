"""The compliance admin only reads: runs and findings change through `services.run_checks` alone (one write path)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client

from pangting.compliance.models import ComplianceRun, Finding

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(world) -> Client:
    user = get_user_model().objects.create_superuser("admin-compliance", password="x" * 16)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", [ComplianceRun, Finding])
def test_it_registers_runs_and_findings_without_add_change_or_delete(model, rf):
    model_admin = admin.site._registry[model]
    request = rf.get("/admin/")
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.get_actions(request) == {}


def test_it_lists_and_shows_a_finding_but_refuses_to_save_one(world, staff_client):
    run = ComplianceRun.objects.create(year=2026, unit=world.unit_a, counts={})
    finding = Finding.objects.create(
        rule_id="R-S7", unit=world.unit_a, year=2026, period="2026-09", key="session:1", severity="amber",
        message="会后未形成学习小结", first_seen=run, last_seen=run,
    )  # fmt: skip
    assert "会后未形成学习小结" in staff_client.get("/admin/compliance/finding/").content.decode()
    assert staff_client.get(f"/admin/compliance/finding/{finding.pk}/change/").status_code == 200
    assert staff_client.get(f"/admin/compliance/compliancerun/{run.pk}/change/").status_code == 200
    staff_client.post(f"/admin/compliance/finding/{finding.pk}/change/", {"message": "改掉"})
    assert staff_client.get("/admin/compliance/finding/add/").status_code == 403
    finding.refresh_from_db()
    assert finding.message == "会后未形成学习小结"
