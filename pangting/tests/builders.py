"""Small builders for tests: one call, one record, sensible defaults.

Every write goes through the real services, so tests exercise the same paths as users.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from pangting.accounts import services as account_services
from pangting.accounts.models import User
from pangting.core.system import system_actor
from pangting.orgs import services as org_services
from pangting.orgs.models import Organization, OrganizationKind, Person, StudyGroup

PASSWORD = "Test-pass-2026"
_seq = itertools.count(1)


def make_org(
    name: str, parent: Organization | None = None, *, kind: str = OrganizationKind.PARTY_COMMITTEE, **fields: Any
) -> Organization:
    code = fields.pop("code", f"ORG{next(_seq)}")
    return org_services.create_organization(
        actor=system_actor(), parent=parent, name=name, code=code, kind=kind, **fields
    )


def make_person(name: str, organization: Organization, **fields: Any) -> Person:
    fields.setdefault("post", "")
    fields.setdefault("staff_no", f"T{next(_seq):05d}")
    return org_services.save_person(Person(name=name, organization=organization, **fields), actor=system_actor())


def make_user(username: str, *roles: tuple[str, Organization], person: Person | None = None) -> User:
    user = account_services.create_user(
        username, actor=system_actor(), password=PASSWORD, person=person, validate_password=False
    )
    for role, org in roles:
        account_services.assign_role(user, role, org, actor=system_actor(), valid_from=dt.date(2020, 1, 1))
    return user


def make_group(org: Organization, *members: tuple[Person, str]) -> StudyGroup:
    group = org_services.ensure_study_group(org, actor=system_actor())
    for person, role in members:
        org_services.add_member(group, person, actor=system_actor(), role=role)
    return group
