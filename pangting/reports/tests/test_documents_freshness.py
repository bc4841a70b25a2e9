"""Issuing a bulletin whose figures predate the latest change to their inputs warns first (issue 16, R-O15)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pangting.observation.tests.scenes import planned, travel
from pangting.reports import services
from pangting.reports.figures import inputs_changed_at
from pangting.reports.models import ReportDocument

pytestmark = pytest.mark.django_db


def draft(w):
    return services.create_document(actor=w.supervisor, organization=w.root, kind="bulletin", year=2026)


def test_it_issues_fresh_figures_without_a_warning(world, client_for):
    with travel("2026-11-30", "09:00"):
        planned(world)
    with travel("2026-12-01", "09:00"):
        document = draft(world)
        client = client_for(world.supervisor)
        page = client.get(reverse("reports:document_detail", args=[document.pk])).content.decode()
        assert "stale-figures" not in page and 'data-testid="issue-document"' in page
        client.post(reverse("reports:document_issue", args=[document.pk]))
    document.refresh_from_db()
    assert document.status == ReportDocument.Status.ISSUED


def test_it_warns_and_does_not_issue_figures_older_than_a_later_change(world, client_for):
    with travel("2026-12-01", "09:00"):
        document = draft(world)
    with travel("2026-12-01", "10:30"):
        planned(world)  # a visit of 2026 added after the figures were computed
    with travel("2026-12-01", "11:00"):
        client = client_for(world.supervisor)
        page = client.get(reverse("reports:document_detail", args=[document.pk])).content.decode()
        assert 'data-testid="stale-figures"' in page and "重新计算后印发" in page
        assert "数据计算于2026年12月1日 09:00，此后2026年12月1日 10:30有记录变更" in page
        response = client.post(reverse("reports:document_issue", args=[document.pk]), follow=True)
    assert "未印发：" in response.content.decode()
    document.refresh_from_db()
    assert document.status == ReportDocument.Status.DRAFT and not document.number


def test_it_recomputes_then_issues_when_asked(world, client_for):
    with travel("2026-12-01", "09:00"):
        document = draft(world)
    assert services.latest_version(document).figures["visits_total"] == 0
    with travel("2026-12-01", "10:30"):
        planned(world)
    with travel("2026-12-01", "11:00"):
        client_for(world.supervisor).post(
            reverse("reports:document_issue", args=[document.pk]), {"figures": "recompute"}
        )
    document.refresh_from_db()
    version = services.latest_version(document)
    assert document.status == ReportDocument.Status.ISSUED and version.is_issued
    assert version.figures["visits_total"] == 1 and services.stale_figures(document) is None


def test_it_issues_the_old_figures_when_the_user_keeps_them(world, client_for):
    with travel("2026-12-01", "09:00"):
        document = draft(world)
    with travel("2026-12-01", "10:30"):
        planned(world)
    with travel("2026-12-01", "11:00"):
        client_for(world.supervisor).post(reverse("reports:document_issue", args=[document.pk]), {"figures": "keep"})
    document.refresh_from_db()
    assert document.status == ReportDocument.Status.ISSUED
    assert services.latest_version(document).figures["visits_total"] == 0


def test_it_ignores_changes_outside_the_period_and_asks_one_query(world, django_assert_num_queries):
    with travel("2026-12-01", "09:00"):
        document = draft(world)
    with travel("2026-12-01", "10:30"):
        planned(world, year=2027)  # next year's plan does not touch this year's figures
    assert services.stale_figures(document) is None
    with django_assert_num_queries(1):
        inputs_changed_at(world.root, 2026)
