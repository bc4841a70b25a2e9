"""Issue 15: `__any_of` finds what `__in` finds, with the ids bound as one parameter on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pangting.core.lookups import Ids
from pangting.orgs.models import Organization
from pangting.study.models import StudySession
from pangting.study.tests.builders import at, make_session

pytestmark = pytest.mark.django_db


def test_any_of_finds_what_in_finds_on_a_column_a_foreign_key_and_across_a_join(world):
    make_session(world.unit_a, starts_at=at(2026, 11, 2))
    make_session(world.unit_b, starts_at=at(2026, 11, 3))
    ids = [world.unit_a.pk, world.root.pk]
    assert set(Organization.objects.filter(pk__any_of=ids)) == set(Organization.objects.filter(pk__in=ids))
    by_fk = StudySession.objects.filter(organization_id__any_of=ids)
    assert list(by_fk) == list(StudySession.objects.filter(organization_id__in=ids)) and by_fk.count() == 1
    across = Organization.objects.filter(study_sessions__organization_id__any_of={world.unit_b.pk})
    assert list(across) == [world.unit_b]
    assert not StudySession.objects.filter(organization_id__any_of=[]).exists()  # nothing, as `__in`
    assert StudySession.objects.exclude(organization_id__any_of=ids).count() == 1


def test_on_postgresql_the_ids_are_one_array_parameter(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite binds one parameter per value, as `__in` does")
    ids = list(range(1, 5001))
    with CaptureQueriesContext(connection) as captured:
        assert Organization.objects.filter(pk__any_of=ids).count() == Organization.objects.count()
    assert "= ANY(" in captured.captured_queries[0]["sql"]
    _sql, params = Organization.objects.filter(pk__any_of=ids).query.sql_with_params()
    assert params == ("{" + ",".join(map(str, ids)) + "}",)  # the array literal, written once


def test_ids_made_once_filter_several_queries_and_are_not_walked_as_a_list(world):
    make_session(world.unit_a, starts_at=at(2026, 11, 2))
    ids = Ids([world.unit_a.pk, world.unit_b.pk])
    assert StudySession.objects.filter(organization_id__any_of=ids).count() == 1
    assert set(Organization.objects.filter(pk__any_of=ids)) == {world.unit_a, world.unit_b}
    assert not hasattr(ids, "__iter__")  # Django walks anything iterable item by item before a lookup
    assert not StudySession.objects.filter(organization_id__any_of=Ids([])).exists()
    assert Ids([3, 1]) == Ids([3, 1]) and Ids([3, 1]).array == "{3,1}"
