"""`orgs.paths.under_any`: records under any of many organizations, in one filter (issue 15)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pangting.orgs import paths
from pangting.orgs.models import Organization, OrganizationKind
from pangting.tests.builders import make_org

pytestmark = pytest.mark.django_db


def _under(organizations, *, few):
    paths.FEW_PREFIXES, saved = few, paths.FEW_PREFIXES
    try:
        return set(Organization.objects.filter(paths.under_any(organizations)).values_list("pk", flat=True))
    finally:
        paths.FEW_PREFIXES = saved


def test_the_prefix_and_the_grouped_forms_find_the_same_subtrees(world):
    branch = make_org("甲学院第二党支部", world.unit_a, kind=OrganizationKind.BRANCH)
    chosen = [world.unit_a, branch, world.unit_b]  # the branch is under unit A: it adds nothing
    expected = {org.pk for org in Organization.objects.all() if any(org.path.startswith(c.path) for c in chosen)}
    assert branch.pk in expected and world.root.pk not in expected
    assert _under(chosen, few=100) == _under(chosen, few=0) == expected
    assert paths.covering(c.path for c in chosen) == sorted([world.unit_a.path, world.unit_b.path])


def test_no_organization_selects_nothing(world):
    assert _under([], few=100) == _under([], few=0) == set()


def test_a_province_of_units_is_one_short_filter_that_sqlite_accepts(world):
    # SQLite refuses an OR of more than 1,000 terms ("Expression tree is too large"); a province
    # has 10,000 units. Unsaved stand-ins give the paths: the filter is built from paths alone.
    many = [SimpleNamespace(path=f"9{i:03d}0001") for i in range(1500)] + [world.unit_a]
    found = set(Organization.objects.filter(paths.under_any(many)).values_list("pk", flat=True))
    assert found == {o.pk for o in Organization.objects.filter(path__startswith=world.unit_a.path)}


def test_the_nearest_holder_and_the_holding_paths_agree_with_testing_every_path(world):
    """`nearest` and `holding` walk a path's few steps; they give what testing every
    organization's path gives (the rule checks find each branch its unit this way)."""
    branch = make_org("甲学院第一党支部", world.unit_a, kind=OrganizationKind.BRANCH)
    group = make_org("第一党小组", branch, kind=OrganizationKind.PARTY_GROUP)
    organizations = list(Organization.objects.all())
    units = [world.root, world.unit_a, world.unit_b]
    by_path = {u.path: u for u in units}
    for org in organizations:
        holders = [u for u in units if org.path.startswith(u.path)]
        expected = max(holders, key=lambda u: len(u.path)) if holders else None
        assert paths.nearest(org.path, by_path) == expected
    assert paths.nearest(group.path, by_path) == world.unit_a
    assert paths.nearest("9999", by_path) is None
    recorded = [group.path, world.unit_b.path]
    above = paths.holding(recorded)
    assert {o.pk for o in organizations if o.path in above} == {
        o.pk for o in organizations if any(p.startswith(o.path) for p in recorded)
    }
    assert paths.ancestor_paths(group.path) == [world.root.path, world.unit_a.path, branch.path, group.path]
