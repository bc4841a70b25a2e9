"""The policy module decides reach by role and organization subtree."""

from __future__ import annotations

import pytest
from django.http import Http404

from pangting.accounts import policy
from pangting.core.system import system_actor
from pangting.orgs.models import Organization, Person

A = policy.Action


def names(qs):
    return sorted(o.name for o in qs)


def test_it_lets_the_supervisor_reach_the_whole_tree(world):
    assert names(Organization.objects.for_user(world.supervisor)) == names(Organization.objects.all())


def test_it_lets_a_secretary_reach_only_their_unit_and_below(world):
    reached = names(Organization.objects.for_user(world.secretary_a))
    assert reached == sorted(["甲学院党委", "甲学院第一党支部"])


def test_it_hides_the_sibling_unit_from_a_secretary_as_if_missing(world):
    with pytest.raises(Http404):
        policy.get_for_user(Organization, world.secretary_a, world.unit_b.pk)
    with pytest.raises(Http404):
        policy.get_for_user(Organization, world.secretary_a, 987654)


def test_it_lets_the_leader_reach_the_units_linked_to_him(world):
    # R-O3: the team is led by the leader linked to the observed unit.
    assert world.unit_a.pk in {o.pk for o in Organization.objects.for_user(world.leader)}
    assert world.unit_b.pk not in {o.pk for o in Organization.objects.for_user(world.leader)}


def test_it_drops_reach_when_a_leader_link_ends(world):
    import datetime as dt

    from pangting.orgs import services
    from pangting.orgs.models import LeaderLink

    link = LeaderLink.objects.get(leader=world.leader_person, unit=world.unit_a)
    services.end_link(link, actor=system_actor(), on=dt.date(2021, 1, 1))
    world.leader._pangting_policy = None
    assert not Organization.objects.for_user(world.leader).filter(pk=world.unit_a.pk).exists()


def test_it_lets_a_member_see_only_their_own_organization(world):
    assert names(Organization.objects.for_user(world.member)) == ["甲学院党委"]


def test_it_gives_an_outsider_nothing(world):
    assert not Organization.objects.for_user(world.outsider).exists()
    assert not Person.objects.for_user(world.outsider).exists()


def test_it_keeps_the_three_administrator_duties_apart(world):
    from django.core.exceptions import ValidationError

    from pangting.accounts import services
    from pangting.accounts.models import Role

    with pytest.raises(ValidationError):
        services.assign_role(world.sysadmin, Role.AUDIT_ADMIN, world.root, actor=system_actor())
    assert policy.can(world.sysadmin, A.CALENDAR_CHANGE)
    assert not policy.can(world.sysadmin, A.AUDIT_VIEW)
    assert not policy.can(world.sysadmin, A.STUDY_VIEW)
    assert policy.can(world.auditor, A.AUDIT_VIEW)
    assert not policy.can(world.auditor, A.DIRECTORY_VIEW)


def test_it_shows_full_phones_only_to_those_who_need_them(world):
    assert policy.can(world.secretary_a, A.PERSON_PHONE, world.unit_a)
    assert not policy.can(world.member, A.PERSON_PHONE, world.unit_a)
    assert not policy.can(world.secretary_b, A.PERSON_PHONE, world.unit_a)


def test_it_scopes_people_by_their_organization(world):
    seen = {p.name for p in Person.objects.for_user(world.secretary_b)}
    assert seen == {"赵秘书", "周成员"}


def test_it_asks_the_database_once_per_request_for_roles(world, django_assert_max_num_queries):
    user = world.supervisor
    user._pangting_policy = None
    with django_assert_max_num_queries(1):
        policy.can(user, A.DIRECTORY_VIEW)
        policy.can(user, A.PERSON_PHONE, world.unit_a)
        policy.can(user, A.STUDY_VIEW)


def test_it_stops_a_revoked_role_at_once(world):
    from pangting.accounts import services
    from pangting.accounts.models import RoleAssignment

    assignment = RoleAssignment.objects.get(user=world.secretary_a)
    services.revoke_role(assignment, actor=world.secadmin)
    world.secretary_a._pangting_policy = None
    assert not Organization.objects.for_user(world.secretary_a).exists()
