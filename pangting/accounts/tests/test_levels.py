"""Several supervising levels (R-O23) and partner departments (R-O21) in the policy and services.

The personas' university supervises its colleges; here one college (丙学院) has its own
supervising department and supervises its own units in turn, as a 院级 committee does with
its branches (a city above a university is the same shape one level higher).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pangting.accounts import policy
from pangting.observation import services
from pangting.observation.models import ObservationPlan, TeamMember, Visit
from pangting.orgs import units
from pangting.orgs.models import Organization
from pangting.planning.services import draws
from pangting.tests.levels import Levels

pytestmark = pytest.mark.django_db


@pytest.fixture
def levels(world) -> Levels:
    return Levels(world)


A = policy.Action


def _reached(user, action) -> set[Organization]:
    return set(Organization.objects.for_user(user, action))


def test_it_finds_each_units_nearest_supervising_level(levels):
    w, L = levels.w, levels
    assert list(units.supervising_organizations()) == [w.root, L.college]
    assert units.supervisor_org_for(L.department) == L.college
    # The college's own center group is observed by the level above (R-O23).
    assert units.supervisor_org_for(L.college) == w.root
    assert units.supervising_ancestor(L.college) == w.root
    assert units.supervising_ancestor(w.root) is None
    assert list(units.units_supervised_by(w.root)) == sorted([w.unit_a, w.unit_b, L.college], key=lambda o: o.path)
    assert list(units.units_supervised_by(L.college)) == [L.department]
    assert list(units.subordinate_supervisors(w.root)) == [L.college]


def test_each_level_writes_only_its_own_part_of_the_tree(levels):
    w, L = levels.w, levels
    top, college = w.supervisor, L.college_supervisor
    # The level above manages the college as one of its units, never the units below it.
    assert policy.can(top, A.OBSERVATION_MANAGE, L.college)
    assert not policy.can(top, A.OBSERVATION_MANAGE, L.department)
    assert not policy.can(top, A.OBSERVATION_MANAGE, L.department_branch)
    assert not policy.can(top, A.STUDY_SUPERVISE, L.department)
    assert not policy.can(top, A.REPORTS_MANAGE, L.department)
    # The college manages its own units, not its own center group nor anything outside.
    assert policy.can(college, A.OBSERVATION_MANAGE, L.department)
    assert policy.can(college, A.OBSERVATION_MANAGE, L.department_branch)
    assert not policy.can(college, A.OBSERVATION_MANAGE, L.college)
    assert not policy.can(college, A.OBSERVATION_MANAGE, w.unit_a)
    assert not policy.can(college, A.OBSERVATION_MANAGE, w.root)
    # The querysets agree with the single checks.
    everything = set(Organization.objects.all())
    for user in (top, college):
        expected = {org for org in everything if policy.can(user, A.OBSERVATION_MANAGE, org)}
        assert _reached(user, A.OBSERVATION_MANAGE) == expected
    assert _reached(college, A.OBSERVATION_MANAGE) == {L.department, L.department_branch}


def test_the_level_above_reads_the_levels_below_and_not_the_other_way(levels):
    w, L = levels.w, levels
    top, college = w.supervisor, L.college_supervisor
    for action in (A.OBSERVATION_VIEW, A.STUDY_VIEW, A.REPORTS_VIEW, A.COMPLIANCE_VIEW):
        assert policy.can(top, action, L.department)
        assert policy.can_supervise(top, action, L.college)  # the college's plans, draws, bulletins
        assert not policy.can(college, action, w.root)
        assert not policy.can(college, action, w.unit_a)
        assert not policy.can_supervise(college, action, w.root)


def test_each_level_owns_its_plans_draws_and_documents_by_its_seat(levels):
    w, L = levels.w, levels
    top, college = w.supervisor, L.college_supervisor
    assert policy.can_supervise(top, A.OBSERVATION_MANAGE, w.root)
    assert not policy.can_supervise(top, A.OBSERVATION_MANAGE, L.college)
    assert not policy.can_supervise(top, A.REPORTS_MANAGE, L.college)
    assert policy.can_supervise(college, A.OBSERVATION_MANAGE, L.college)
    assert not policy.can_supervise(college, A.OBSERVATION_MANAGE, w.root)
    assert list(policy.seats(top, A.OBSERVATION_MANAGE)) == [w.root]
    assert list(policy.seats(college, A.OBSERVATION_MANAGE)) == [L.college]
    assert list(policy.seats(top, A.OBSERVATION_VIEW)) == [w.root, L.college]

    own = services.ensure_plan(L.college, 2026, actor=college)
    above = services.ensure_plan(w.root, 2026, actor=top)
    assert set(ObservationPlan.objects.for_user(top, A.OBSERVATION_MANAGE)) == {above}
    assert set(ObservationPlan.objects.for_user(top)) == {above, own}  # reads the level below
    assert set(ObservationPlan.objects.for_user(college, A.OBSERVATION_MANAGE)) == {own}
    assert set(ObservationPlan.objects.for_user(college)) == {own}

    # A draw at the college's level is the college's: the level above cannot start one.
    with pytest.raises(ValidationError):
        draws.create_draw(
            actor=top, supervisor_org=L.college, purpose="随机抽取", year=2026,
            candidates=[L.department], count=1, public_value_source="上证指数收盘价",
        )  # fmt: skip
    draw = draws.create_draw(
        actor=college, supervisor_org=L.college, purpose="随机抽取", year=2026,
        candidates=[L.department], count=1, public_value_source="上证指数收盘价",
    )  # fmt: skip
    assert draw.supervisor_org == L.college


def test_each_level_runs_its_own_visits_with_its_own_letter_numbers(levels):
    """R-O23: the college's visit is in its plan and numbered in its own series (丙院宣函)."""
    w, L = levels.w, levels
    top, college = w.supervisor, L.college_supervisor
    below = services.create_visit(
        actor=college, unit=L.department, year=2026, semester=2, target_month=10,
        team=[(L.college_leader, TeamMember.Role.LEADER)],
    )  # fmt: skip
    above = services.create_visit(
        actor=top, unit=L.college, year=2026, semester=2, target_month=10,
        team=[(w.leader_person, TeamMember.Role.LEADER)],
    )  # fmt: skip
    assert below.supervisor_org == L.college and below.plan.organization == L.college
    assert above.supervisor_org == w.root and above.plan.organization == w.root

    below = services.issue_letter(below, actor=college)
    above = services.issue_letter(above, actor=top)
    year = below.letter_issued_at.year
    assert below.letter_number == f"丙院宣函〔{year}〕1号"
    assert above.letter_number == f"示大宣函〔{year}〕1号"  # each level counts its own series

    # Neither level acts on the other's visit; the level above reads the one below.
    assert set(Visit.objects.for_user(college, A.OBSERVATION_MANAGE)) == {below}
    assert set(Visit.objects.for_user(top, A.OBSERVATION_MANAGE)) == {above}
    assert set(Visit.objects.for_user(top)) == {below, above}
    # The college reads the visit to its own center group, as its secretary does, but cannot act on it.
    assert set(Visit.objects.for_user(college)) == {below, above}
    assert not policy.can(college, A.OBSERVATION_MANAGE, above.unit)


def test_the_visit_form_offers_the_levels_own_units_and_its_own_leaders(levels, client_for):
    """R-O23: the college's leaders lead its teams, though the level above observes the college."""
    L = levels
    form = client_for(L.college_supervisor).get(reverse("observation:visit_create")).context["form"]
    # Its own center group is the level above's to observe; the university's units are not its own.
    assert list(form.fields["unit"].queryset) == [L.department]
    assert list(form.fields["leader"].queryset) == [L.college_leader]


def test_a_level_cannot_plan_visits_outside_its_own_part(levels):
    w, L = levels.w, levels
    with pytest.raises(ValidationError):
        services.create_visit(
            actor=w.supervisor, unit=L.department, year=2026, semester=2,
            team=[(w.leader_person, TeamMember.Role.LEADER)],
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.create_visit(
            actor=L.college_supervisor, unit=L.college, year=2026, semester=2,
            team=[(L.college_leader, TeamMember.Role.LEADER)],
        )  # fmt: skip


def test_a_partner_department_sees_the_supervisors_scope_and_co_signs_but_does_not_manage(levels):
    """R-O21: the 组织部 at the root and the 机关工委 at the college."""
    w, L = levels.w, levels
    partner, college_partner = L.org_department, L.organs_committee
    for action in (A.OBSERVATION_VIEW, A.STUDY_VIEW, A.REPORTS_VIEW, A.COMPLIANCE_VIEW, A.DIRECTORY_VIEW):
        assert _reached(partner, action) == _reached(w.supervisor, action)
    assert policy.can(partner, A.OBSERVATION_COSIGN, w.unit_a)
    assert policy.can(partner, A.OBSERVATION_COSIGN, L.college)
    assert not policy.can(partner, A.OBSERVATION_COSIGN, L.department)  # the college's own level
    assert policy.can_supervise(partner, A.OBSERVATION_COSIGN, w.root)
    assert not policy.can_supervise(partner, A.OBSERVATION_COSIGN, L.college)
    assert policy.can(college_partner, A.OBSERVATION_COSIGN, L.department)
    assert not policy.can(college_partner, A.OBSERVATION_VIEW, w.unit_a)
    for action in (A.OBSERVATION_MANAGE, A.REPORTS_MANAGE, A.STUDY_SUPERVISE, A.DIRECTORY_CHANGE):
        assert not policy.can(partner, action)
        assert not policy.can(college_partner, action)


def test_without_a_lower_level_the_supervisor_reaches_his_whole_subtree(world):
    """The single-level installation is unchanged: the root supervises everything below it."""
    everything = set(Organization.objects.all())
    assert _reached(world.supervisor, A.OBSERVATION_MANAGE) == everything
    assert policy.can_supervise(world.supervisor, A.OBSERVATION_MANAGE, world.root)
