"""Pages take workflow steps: buttons come from `available_steps`, forms carry the version seen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pangting.observation import services
from pangting.observation.models import CrossObservation, Mode, State, Visit

from .scenes import planned, session_on, travel

pytestmark = pytest.mark.django_db


def test_it_shows_the_letter_button_only_to_whom_the_step_is_open_r_o4(world, client_for):
    visit = planned(world)
    url = reverse("observation:visit_detail", args=[visit.pk])
    assert 'data-testid="issue-letter"' in client_for(world.supervisor).get(url).content.decode()
    for persona in (world.viewer, world.secretary_a, world.liaison):
        assert 'data-testid="issue-letter"' not in client_for(persona).get(url).content.decode()


def test_it_refuses_a_letter_from_a_stale_page_and_burns_no_number(world, client_for):
    visit = planned(world)
    supervisor = client_for(world.supervisor)
    action = reverse("observation:visit_action", args=[visit.pk, "issue_letter"])
    with travel("2026-09-25"):
        supervisor.post(action, {"version": visit.version})
        again = supervisor.post(action, {"version": visit.version}, follow=True)
    assert "此记录已被他人修改" in again.content.decode()
    visit.refresh_from_db()
    assert (visit.state, visit.letter_seq) == (State.NOTIFIED, 1)


def test_it_gives_an_invited_visit_made_by_the_supervisor_a_next_step_for_the_unit_r_o2(world, client_for):
    visit = planned(world, mode=Mode.INVITED)
    assert services.visit_steps(visit, world.supervisor) == ["cancel"]  # no letter for an invited visit
    assert services.visit_steps(visit, world.secretary_a) == ["reply"]
    with travel("2026-11-02"):
        session = session_on(world, "2026-11-20")
        page = client_for(world.secretary_a).get(reverse("observation:visit_detail", args=[visit.pk]))
        assert 'data-testid="submit-reply"' in page.content.decode()
        client_for(world.secretary_a).post(
            reverse("observation:visit_action", args=[visit.pk, "reply"]),
            {"session": session.pk, "replied_on": "2026-11-02", "notes": "", "version": visit.version},
        )
    visit = Visit.objects.get(pk=visit.pk)
    assert (visit.state, visit.session_id) == (State.SCHEDULED, session.pk)
    assert visit.transitions.get().step == "reply"


def test_it_lets_the_host_cancel_a_cross_observation_with_a_reason_r_o13(world, client_for):
    with travel("2026-10-08"):
        cross = services.invite_cross_observation(world.unit_a, world.unit_b, actor=world.secretary_a)
    url = reverse("observation:cross_detail", args=[cross.pk])
    assert 'data-testid="cross-cancel"' not in client_for(world.secretary_b).get(url).content.decode()
    assert client_for(world.secretary_b).post(url, {"step": "cancel", "reason": "x"}).status_code == 404
    host = client_for(world.secretary_a)
    assert 'data-testid="cross-cancel"' in host.get(url).content.decode()
    refused = host.post(url, {"step": "cancel", "reason": "", "version": cross.version}, follow=True)
    assert "取消交叉旁听须说明原因" in refused.content.decode()
    host.post(url, {"step": "cancel", "reason": "学习会延期", "version": cross.version})
    cross.refresh_from_db()
    assert (cross.status, cross.cancel_reason) == (CrossObservation.Status.CANCELLED, "学习会延期")
    assert 'data-testid="cross-steps"' not in host.get(url).content.decode()  # nothing left to do
