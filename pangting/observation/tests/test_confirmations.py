"""Irreversible steps declare what they will do once, on their edge; pages render it (issue 16)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pangting.core.transitions import confirmation, workflow_for
from pangting.observation.models import State, Visit
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


def test_without_script_it_asks_on_a_page_then_takes_the_step(world, client_for):
    """No script, no dialog: the form's <noscript> field makes the view ask on a page first."""
    from .scenes import travel

    visit = planned(world)
    url = reverse("observation:visit_detail", args=[visit.pk])
    action = reverse("observation:visit_action", args=[visit.pk, "issue_letter"])
    client = client_for(world.supervisor)
    assert (
        '<noscript><input type="hidden" name="needs_confirmation" value="1"></noscript>'
        in client.get(url).content.decode()
    )
    with travel("2026-09-25"):
        asked = client.post(action, {"version": visit.version, "needs_confirmation": "1"}, HTTP_REFERER=url)
        page = asked.content.decode()
        assert asked.status_code == 200 and 'data-testid="confirm-page"' in page
        assert "印发后函告将送达被旁听单位，不能撤回。确定印发？" in page and f'href="{url}"' in page
        assert f'name="version" value="{visit.version}"' in page and 'name="confirmed" value="1"' in page
        visit.refresh_from_db()
        assert visit.state == State.PLANNED and not visit.letter_number  # asking changed nothing
        done = client.post(action, {"version": visit.version, "needs_confirmation": "1", "confirmed": "1"})
    assert done.status_code == 302
    visit.refresh_from_db()
    assert visit.state == State.NOTIFIED and visit.letter_number
