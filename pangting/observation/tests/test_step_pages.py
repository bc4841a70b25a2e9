"""Pages take workflow steps: buttons come from `available_steps`, forms carry the version seen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pangting.observation import services
from pangting.observation.models import CrossObservation, Feedback, InvitationRequest, Mode, State, Visit

from .scenes import planned, session_on, travel, walk

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
            {"session": session.pk, "notes": "", "version": visit.version},
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


STALE = "此记录已被他人修改"


def test_it_refuses_a_delivery_date_from_a_stale_page_r_o4(world, client_for):
    visit = walk(world, State.NOTIFIED)
    seen = visit.version  # two tabs of the supervisor show this version
    page = client_for(world.supervisor).get(reverse("observation:visit_detail", args=[visit.pk])).content.decode()
    assert f'name="version" value="{seen}"><label>' in page  # the 登记送达 form carries it
    supervisor = client_for(world.supervisor)
    action = reverse("observation:visit_action", args=[visit.pk, "delivery"])
    with travel("2026-09-30"):
        supervisor.post(action, {"delivered_on": "2026-09-29", "version": seen})
        stale = supervisor.post(action, {"delivered_on": "2026-09-30", "version": seen}, follow=True)
    assert STALE in stale.content.decode()
    visit.refresh_from_db()
    assert visit.letter_delivered_on == dt.date(2026, 9, 29)  # the first one stands, not silently overwritten


def test_it_refuses_an_invitation_decision_from_a_stale_page_r_o2(world, client_for):
    with travel("2026-11-02"):
        invitation = services.request_invitation(session_on(world, "2026-11-20"), actor=world.secretary_a)
        url = reverse("observation:invitation_decide", args=[invitation.pk])
        supervisor = client_for(world.supervisor)
        assert f'name="version" value="{invitation.version}"' in supervisor.get(url).content.decode()
        InvitationRequest.objects.get(pk=invitation.pk).save()  # changed in another tab meanwhile
        stale = supervisor.post(url, {"accept": "1", "reason": "", "version": invitation.version})
    assert STALE in stale.content.decode()
    invitation.refresh_from_db()
    assert (invitation.status, invitation.visit_id) == (InvitationRequest.Status.PENDING, None)


def test_it_issues_no_feedback_and_saves_nothing_from_a_stale_page_r_o9(world, client_for):
    visit = walk(world, State.RECORDED)
    with travel("2026-10-12"):
        url = reverse("observation:feedback_edit", args=[visit.pk])
        supervisor = client_for(world.supervisor)
        page = supervisor.get(url).content.decode()
        assert f'name="version" value="{visit.version}"' in page
        drafted = Feedback.objects.get(visit=visit).summary
        Visit.objects.get(pk=visit.pk).save()  # the visit changed in another tab meanwhile
        data = {"summary": "总体较好。", "suggestions": "建立转化清单。", "version": visit.version, "issue": "1"}
        stale = supervisor.post(url, data)
    assert STALE in stale.content.decode() and "建立转化清单。" in stale.content.decode()  # nothing typed is lost
    feedback = Feedback.objects.get(visit=visit)
    assert (feedback.number, feedback.summary, feedback.issued_at) == ("", drafted, None)
    assert Visit.objects.get(pk=visit.pk).state == State.RECORDED


def test_it_refuses_a_rectification_plan_from_a_stale_page_r_o10(world, client_for):
    visit = walk(world, State.RECTIFYING)
    item = visit.rectifications.get()
    url = reverse("observation:rectification_detail", args=[item.pk])
    secretary = client_for(world.secretary_a)
    seen = item.version
    with travel("2026-10-15"):
        secretary.post(url, {"step": "plan", "measure": "建立转化清单", "version": seen})
        stale = secretary.post(url, {"step": "plan", "measure": "旧页面的措施", "version": seen})
    assert STALE in stale.content.decode()
    item.refresh_from_db()
    assert item.measure == "建立转化清单"
