"""Every registered workflow is walkable (issue 10, item 3): the edge-walk test.

For each workflow the apps register in `AppConfig.ready`: every state is reachable from the
initial state, every non-terminal state has a way out, terminal states have none, and every
edge names states of its model. Then the mechanism itself: permission first, one log row.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from pangting.core import clock, transitions
from pangting.core.models import TransitionLog

WORKFLOWS = transitions.registered()


def _id(workflow: transitions.Workflow) -> str:
    return workflow.model._meta.label


def test_it_has_every_stateful_record_on_a_registered_workflow():
    assert {_id(w) for w in WORKFLOWS} >= {
        "observation.Visit",
        "observation.Rectification",
        "observation.CrossObservation",
        "observation.InvitationRequest",
        "study.StudyPlan",
        "study.StudySession",
        "reports.ReportDocument",
    }


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=_id)
def test_it_reaches_every_state_from_the_initial_one(workflow):
    reached, frontier = {workflow.initial}, [workflow.initial]
    while frontier:
        state = frontier.pop()
        for edge in workflow.edges:
            if edge.source == state and edge.target not in reached:
                reached.add(edge.target)
                frontier.append(edge.target)
    assert reached == set(workflow.states), set(workflow.states) - reached


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=_id)
def test_it_gives_every_non_terminal_state_a_way_out_and_terminal_states_none(workflow):
    sources = {edge.source for edge in workflow.edges}
    assert set(workflow.states) - set(workflow.terminal) <= sources
    assert not set(workflow.terminal) & sources
    assert set(workflow.terminal) <= set(workflow.states)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=_id)
def test_it_names_only_states_of_the_model(workflow):
    choices = {value for value, _label in workflow.model._meta.get_field(workflow.state_field).choices}
    assert set(workflow.states) == choices
    for edge in workflow.edges:
        assert {edge.source, edge.target} <= choices, edge
        assert edge.label, edge  # the button and the refusal name the step in Chinese


@pytest.mark.django_db
def test_it_checks_permission_before_revealing_the_state_and_logs_each_step(world):
    from pangting.observation import services

    cross = services.invite_cross_observation(world.unit_a, world.unit_b, actor=world.secretary_a)
    with pytest.raises(Http404):  # the visiting unit may see it but not cancel it
        transitions.run_step(cross, "cancel", actor=world.secretary_b, reason="x")
    assert [e.step for e in transitions.available_steps(cross, world.secretary_b)] == ["report"]
    assert [e.step for e in transitions.available_steps(cross, world.secretary_a)] == ["attend", "cancel"]
    with pytest.raises(ValidationError, match="取消交叉旁听须说明原因"):
        services.cancel_cross_observation(cross, actor=world.secretary_a, reason=" ")
    services.cancel_cross_observation(cross, actor=world.secretary_a, reason="学习会延期")
    cross.refresh_from_db()
    assert (cross.status, cross.cancel_reason) == ("cancelled", "学习会延期")
    assert transitions.available_steps(cross, world.supervisor) == []
    log = list(transitions.log_of(cross))
    assert [(row.step, row.from_state, row.to_state, row.actor) for row in log] == [
        ("cancel", "invited", "cancelled", world.secretary_a)
    ]
    with pytest.raises(PermissionError):
        TransitionLog.objects.filter(pk=log[0].pk).delete()


@pytest.mark.django_db
def test_it_cancels_a_study_session_only_through_its_step_with_a_reason(world):
    import datetime as dt

    from pangting.study import services as study
    from pangting.study.tests.builders import make_session

    session = make_session(world.unit_a, starts_at=clock.now() + dt.timedelta(days=3), approved=False)
    with pytest.raises(Http404):  # a secretary of another unit learns nothing about it
        study.cancel_session(session, actor=world.secretary_b, reason="x")
    study.cancel_session(session, actor=world.secretary_a, reason="与全校大会冲突")
    session.refresh_from_db()
    assert (session.status, session.cancel_reason) == ("cancelled", "与全校大会冲突")
    assert [(row.step, row.to_state) for row in transitions.log_of(session)] == [("cancel", "cancelled")]
