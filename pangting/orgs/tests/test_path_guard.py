"""Organization.path is guarded on save (issue 10 item 8): inserts compute it, a parent change
without moving the subtree raises, and only `move_organization` moves organizations."""

from __future__ import annotations

import datetime as dt

import pytest

from pangting.orgs import changes, services
from pangting.orgs.models import PATH_STEP, InconsistentPath, Organization, UnitChange
from pangting.tests.builders import make_org


def _seg(org: Organization) -> str:
    return f"{org.pk:0{PATH_STEP}d}"


def test_it_computes_path_and_depth_on_insert(world):
    assert world.root.path == _seg(world.root) and world.root.depth == 0
    assert world.branch_a.path == world.root.path + _seg(world.unit_a) + _seg(world.branch_a)
    assert world.branch_a.depth == 2
    stored = Organization.objects.get(pk=world.branch_a.pk)
    assert (stored.path, stored.depth) == (world.branch_a.path, 2)


def test_it_refuses_a_parent_change_saved_without_moving_the_subtree(world):
    branch = Organization.objects.get(pk=world.branch_a.pk)
    branch.parent = world.unit_b
    with pytest.raises(InconsistentPath):
        branch.save()
    stored = Organization.objects.get(pk=world.branch_a.pk)
    assert stored.parent_id == world.unit_a.pk and stored.path == world.branch_a.path


@pytest.mark.parametrize("path", ["", "00000001", "garbage"])
def test_it_refuses_an_empty_or_inconsistent_path(world, path):
    unit = Organization.objects.get(pk=world.unit_a.pk)
    unit.path = path
    with pytest.raises(InconsistentPath):
        unit.save(update_fields=["path"])
    assert Organization.objects.get(pk=world.unit_a.pk).path == world.unit_a.path


def test_it_refuses_a_wrong_depth(world):
    unit = Organization.objects.get(pk=world.unit_a.pk)
    unit.depth = 5
    with pytest.raises(InconsistentPath):
        unit.save()


def test_it_saves_other_fields_without_touching_the_path(world):
    unit = Organization.objects.get(pk=world.unit_a.pk)
    unit.name = "甲学院党委（更名）"
    unit.save()
    assert Organization.objects.get(pk=unit.pk).name == "甲学院党委（更名）"


def test_it_moves_an_organization_with_its_subtree_through_the_service(world):
    unit_c = make_org("丙学院党委", world.root, code="UC")
    services.move_organization(world.unit_a, unit_c, actor=world.sysadmin)
    unit_a = Organization.objects.get(pk=world.unit_a.pk)
    branch = Organization.objects.get(pk=world.branch_a.pk)
    assert unit_a.path == unit_c.path + _seg(unit_a) and unit_a.depth == 2
    assert branch.path == unit_a.path + _seg(branch) and branch.depth == 3
    # The unit it left and the one it joined hold other records now (issue 15: staleness).
    assert set(UnitChange.objects.values_list("unit_id", flat=True)) == {unit_a.pk, world.root.pk}
    since = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    assert changes.changed_since(since, [unit_c, world.root]) == {unit_c.pk, world.root.pk}
    branch.name = "甲学院第一党支部（新）"
    branch.save()  # consistent after the move: the guard lets it through


def test_a_top_organization_moved_under_a_new_top_keeps_supervising(world):
    """R-O23: the university placed under a city still supervises its colleges itself."""
    from pangting.orgs.units import is_supervising, supervisor_org_for

    city = make_org("市委教育工委", None, code="CITY")
    services.move_organization(world.root, city, actor=world.sysadmin)
    root = Organization.objects.get(pk=world.root.pk)
    assert root.parent_id == city.pk and root.has_supervisor and is_supervising(root)
    assert supervisor_org_for(Organization.objects.get(pk=world.unit_a.pk)) == root
    assert root.history.first().has_supervisor  # recorded in the history like any change


def test_a_unit_moved_elsewhere_does_not_gain_a_supervising_department(world):
    unit_c = make_org("丙学院党委", world.root, code="UC")
    services.move_organization(world.unit_a, unit_c, actor=world.sysadmin)
    assert not Organization.objects.get(pk=world.unit_a.pk).has_supervisor
