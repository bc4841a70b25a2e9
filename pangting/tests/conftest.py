"""Fixtures for the cross-cutting tests: a world shared by a whole module, and one for live servers.

The personas' world (root `conftest.World`) takes a few hundred milliseconds to build, and
the permission matrix runs hundreds of requests against it. `shared_world` builds it once
per module inside an outer transaction; every test still gets its own savepoint through
pytest-django's `db`, so a test that deletes or revokes something leaves no trace.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from conftest import World
from pangting.core.system import system_actor
from pangting.tests.builders import PASSWORD, make_person

__all__ = ["PASSWORD", "ScopedWorld", "make_client"]

_handler: Any = None


def make_client(**defaults: Any) -> Client:
    """A test client sharing one request handler with every other made here.

    Each new handler loads the middleware, and WhiteNoise then walks every static file of
    every app (≈0.15 s); the matrix makes a client per request, so it shares one handler.
    """
    global _handler
    client = Client(**defaults)
    if _handler is None:
        _handler = client.handler
    else:
        client.handler = _handler
    return client


class ScopedWorld(World):
    """The personas' world, plus links to unit B held by people who have no account.

    Unit A already has a linked leader and a liaison; these give unit B the same records, so
    every scoped list has something on both sides of the fence, without widening anyone's reach.
    """

    def __init__(self) -> None:
        super().__init__()
        from pangting.orgs import services as org_services
        from pangting.orgs.models import LeaderLink, LiaisonAssignment, StudyGroupMember

        since = dt.date(2020, 1, 1)
        self.leader_b_person = make_person("钱校领导", self.root, post="副校长", is_school_leader=True)
        self.liaison_b_person = make_person("孙联络", self.unit_b, post="党政办主任", phone="13800000007")
        self.leader_link_a = LeaderLink.objects.get(leader=self.leader_person, unit=self.unit_a)
        self.liaison_a = LiaisonAssignment.objects.get(liaison=self.liaison_person, unit=self.unit_a)
        self.leader_link_b = org_services.link_leader(
            self.leader_b_person, self.unit_b, actor=system_actor(), valid_from=since
        )
        self.liaison_b = org_services.assign_liaison(
            self.liaison_b_person, self.unit_b, actor=system_actor(), valid_from=since
        )
        self.membership_a = StudyGroupMember.objects.get(group=self.group_a, person=self.member_person)
        self.membership_b = StudyGroupMember.objects.get(group=self.group_b, person=self.member_b_person)
        self.session_keys: dict[str, str] = {}
        self.tokens: dict[str, str] = {}

    def sign_in_everyone(self) -> None:
        """A web session and an API token per persona, made once (a login costs ≈25 ms)."""
        from pangting.accounts.models import ApiToken

        for name, user in self.personas().items():
            client = make_client()
            client.force_login(user)
            self.session_keys[name] = client.session.session_key
            self.tokens[name] = ApiToken.issue(user)[1]

    def client(self, persona: str | None, *, api: bool = False) -> Client:
        """A client signed in as `persona` (None: anonymous), by session or by bearer token."""
        if persona is None:
            return make_client()
        if api:
            return make_client(headers={"authorization": f"Bearer {self.tokens[persona]}"})
        client = make_client()
        client.cookies[settings.SESSION_COOKIE_NAME] = self.session_keys[persona]
        return client


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker) -> Iterator[ScopedWorld]:
    """One `ScopedWorld` per module, rolled back at the end; use it together with `db`."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = ScopedWorld()
        world.sign_in_everyone()
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def scoped_world(shared_world: ScopedWorld, db) -> ScopedWorld:
    """The shared world, inside this test's own savepoint."""
    for user in shared_world.personas().values():
        user._pangting_policy = None  # forget reach cached by an earlier test
    return shared_world


@pytest.fixture
def live_world(transactional_db) -> World:
    """The personas' world for `live_server` tests, whose server thread needs committed rows."""
    return World()
