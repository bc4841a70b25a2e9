"""Irreversible steps declare what they will do once, on their edge; pages render it (issue 16)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pangting.core.transitions import confirmation, workflow_for
from pangting.observation.models import Visit
from pangting.reports.models import ReportDocument
from pangting.study.models import StudySession

from .scenes import planned

pytestmark = pytest.mark.django_db

IRREVERSIBLE = {
    Visit: {"issue_letter", "issue_feedback", "cancel"},
    ReportDocument: {"issue"},
    StudySession: {"close_attendance", "cancel"},
}


@pytest.mark.parametrize("model", list(IRREVERSIBLE))
def test_it_declares_a_confirmation_on_every_irreversible_edge(model):
    for edge in workflow_for(model).edges:
        assert bool(edge.confirm) is (edge.step in IRREVERSIBLE[model]), edge.step


def test_it_renders_the_confirmation_on_the_step_form(world, client_for):
    visit = planned(world)
    assert confirmation(visit, "issue_letter") == "印发后函告将送达被旁听单位，不能撤回。确定印发？"
    assert confirmation(visit, "mark_observed") == ""
    page = client_for(world.supervisor).get(reverse("observation:visit_detail", args=[visit.pk])).content.decode()
    assert 'data-confirm="印发后函告将送达被旁听单位，不能撤回。确定印发？"' in page
    assert 'data-confirm="取消后此次巡听旁听不能恢复' in page
    assert "js/confirm.js" in page
