"""The one definition of a unit and of the supervising organization (`orgs.units`)."""

from __future__ import annotations

from pangting.core.system import system_actor
from pangting.orgs import units
from pangting.orgs.models import OrganizationKind
from pangting.tests.builders import make_group, make_org


def test_it_counts_a_non_root_organization_with_a_live_center_group_as_a_unit(world):
    direct_branch = make_org("直属党支部", world.root, kind=OrganizationKind.BRANCH)
    make_group(direct_branch)
    deep = make_org("丙学院党委", world.unit_a)
    make_group(deep)
    closed = make_org("丁学院党委", world.root)
    make_group(closed).soft_delete(actor=system_actor())

    found = list(units.units())

    # A 直属党支部 with its own center group is a unit; depth does not matter; the root, a
    # branch without a group, a unit whose group was removed are not units.
    assert found == sorted([world.unit_a, world.unit_b, direct_branch, deep], key=lambda o: o.path)
    assert [o for o in [world.root, world.branch_a, closed] if units.is_unit(o)] == []
    assert all(units.is_unit(o) and o.is_unit for o in found)


def test_it_finds_the_root_as_the_supervising_organization_of_every_unit(world):
    deep = make_org("丙学院党委", world.unit_a)
    make_group(deep)

    assert list(units.supervising_organizations()) == [world.root]
    assert units.supervisor_org_for(world.unit_a) == world.root
    assert units.supervisor_org_for(deep) == world.root
    assert units.supervisor_org_for(world.root) == world.root
    assert list(units.units_supervised_by(world.root)) == sorted(
        [world.unit_a, world.unit_b, deep], key=lambda o: o.path
    )


def test_an_organization_belongs_to_its_nearest_unit_in_scope_or_to_none(world, django_assert_num_queries):
    college = make_org("丙学院党委", world.unit_a)
    make_group(college)
    college_branch = make_org("丙学院第一党支部", college, kind=OrganizationKind.BRANCH)
    direct_branch = make_org("直属党支部", world.root, kind=OrganizationKind.BRANCH)
    make_group(direct_branch)

    with django_assert_num_queries(1):
        unit_of = units.unit_in_scope([world.unit_a, direct_branch])
    with django_assert_num_queries(0):
        # The unit's own branch is the unit's; a 直属党支部 unit is its own; the college's branch
        # is the college's, which is nested under the scope but not in it; unit_b is outside.
        assert unit_of(world.branch_a.path) == world.unit_a
        assert unit_of(direct_branch.path) == direct_branch
        assert unit_of(college_branch.path) is None
        assert unit_of(college.path) is None
        assert unit_of(world.unit_b.path) is None
    assert units.unit_in_scope([world.unit_a, college])(college_branch.path) == college


def test_an_office_is_wholly_in_a_scope_that_holds_every_unit_it_supervises(world, django_assert_num_queries):
    # R-O23: the college supervises its own schools; the root supervises unit_a, unit_b and the
    # college itself (its center group), not the college's schools.
    college = make_org("丙学院党委", world.root, has_supervisor=True)
    make_group(college)
    school = make_org("丙学院甲系党委", college)
    make_group(school)
    other_school = make_org("丙学院乙系党委", college)
    make_group(other_school)

    def wholly_in(*scope):
        with django_assert_num_queries(3):
            return units.offices_wholly_in(list(scope))

    assert wholly_in(school, other_school) == [college]
    assert wholly_in(school) == []  # the other school is the college's too
    assert wholly_in(world.unit_a, world.unit_b) == []  # the college is the root's unit
    assert wholly_in(world.unit_a, world.unit_b, college, school, other_school) == [world.root, college]
    assert wholly_in(world.unit_a, world.unit_b, college) == [world.root]
    # A school whose center group was removed is no longer one of the college's units.
    other_school.study_group.soft_delete(actor=system_actor())
    assert wholly_in(school) == [college]
