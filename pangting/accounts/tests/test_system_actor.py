"""Services take an explicit actor (issue 10 item 8): `actor=None` is an error, not a way around
the policy; commands and the demo act as the named system actor, recorded as such."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

import pangting
from pangting.accounts import policy
from pangting.accounts import services as account_services
from pangting.accounts.models import Role, User
from pangting.core.models import AuditEvent
from pangting.core.system import SYSTEM_USERNAME, MissingActor, is_system, system_actor
from pangting.observation import services as observation_services
from pangting.orgs import services as org_services
from pangting.orgs.models import Organization
from pangting.study import services as study_services
from pangting.workdays.services import enter_year

SERVICE_CALLS = {
    "orgs.create_organization": lambda w: org_services.create_organization(
        actor=None, parent=w.root, name="丙学院党委", code="UC", kind="party_committee"
    ),
    "orgs.link_leader": lambda w: org_services.link_leader(
        w.leader_person, w.unit_b, actor=None, valid_from=dt.date(2026, 1, 1)
    ),
    "accounts.create_user": lambda w: account_services.create_user("someone", actor=None, password="x-Pass-2026!"),
    "accounts.assign_role": lambda w: account_services.assign_role(w.outsider, Role.MEMBER, w.unit_b, actor=None),
    "observation.create_visit": lambda w: observation_services.create_visit(
        actor=None, unit=w.unit_a, year=2026, semester=2
    ),
    "study.create_plan": lambda w: study_services.create_plan(w.unit_a, actor=None, year=2026, kind="center_group"),
    "workdays.enter_year": lambda w: enter_year(
        2027, holidays={dt.date(2027, 1, 1): "元旦"}, makeup_workdays={}, actor=None
    ),
}


@pytest.mark.parametrize("call", SERVICE_CALLS.values(), ids=SERVICE_CALLS.keys())
def test_it_refuses_a_service_call_without_an_actor(world, call):
    before = {model: model.objects.count() for model in (Organization, User)}
    with pytest.raises(MissingActor):
        call(world)
    assert {model: model.objects.count() for model in before} == before


def test_it_raises_when_the_policy_is_asked_about_no_actor(world):
    with pytest.raises(MissingActor):
        policy.can(None, policy.Action.OBSERVATION_MANAGE, world.unit_a)


def test_it_lets_the_system_actor_take_every_action_the_policy_knows(world):
    system = system_actor()
    assert all(policy.can(system, action, world.unit_b) for action in policy.Action)


def test_it_creates_a_visit_as_the_system_and_names_it_in_history(world):
    # The R-O3 team comes from the links; the supervisor's check is passed as the system, not skipped.
    visit = observation_services.create_visit(actor=system_actor(), unit=world.unit_a, year=2026, semester=2)
    assert visit.history.first().history_user.username == SYSTEM_USERNAME


def test_it_records_the_system_in_history_and_audit(world):
    user = account_services.create_user("later", actor=system_actor(), password="x-Pass-2026!")
    assert user.history.first().history_user == system_actor()
    event = AuditEvent.objects.get(action="accounts.create_user", target="later")
    assert event.actor == system_actor() and event.username == SYSTEM_USERNAME


def test_it_keeps_the_system_actor_unable_to_sign_in(db):
    system = system_actor()
    assert system == system_actor()  # one user, created once
    assert not system.is_active and not system.has_usable_password()
    client = Client()
    client.post(reverse("accounts:login"), {"username": SYSTEM_USERNAME, "password": "x-Pass-2026!"})
    assert "_auth_user_id" not in client.session


def test_it_reserves_the_system_name(world):
    with pytest.raises(ValidationError):
        account_services.create_user(SYSTEM_USERNAME, actor=world.sysadmin, password="x-Pass-2026!")


def test_it_does_not_take_an_active_user_for_the_system(db):
    impostor = User(username=SYSTEM_USERNAME, is_active=True)
    impostor.set_password("x-Pass-2026!")
    assert not is_system(impostor)
    assert not is_system(None)


def test_it_refuses_a_soft_delete_without_an_actor(world):
    with pytest.raises(MissingActor):
        world.member_person.soft_delete(actor=None)
    world.member_person.refresh_from_db()
    assert not world.member_person.is_deleted


def test_it_leaves_no_missing_actor_bypass_in_the_code():
    """A regression guard: no `actor is not None and ...` policy skip, no `actor=None` call outside tests."""
    root = Path(pangting.__file__).parent
    bypass = re.compile(r"actor is not None and not|\bactor=None\b")
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if bypass.search(line) and not line.lstrip().startswith(('"""', "#"))
    ]
    assert offenders == []
