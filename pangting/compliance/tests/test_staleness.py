"""Issue 15: the unit page's staleness check reads indexed `updated_at`, a bounded query per table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pangting.compliance import services
from pangting.core.system import system_actor
from pangting.study.models import StudySession
from pangting.study.tests.builders import make_session

from .builders import good_session, travel

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


def test_every_table_the_staleness_check_reads_has_an_index_on_updated_at():
    for model, _path in services.change_sources():
        leading = [index.fields[0] for index in model._meta.indexes]
        assert "updated_at" in leading, model.__name__


def test_one_units_check_asks_only_within_its_subtree_and_stops_at_the_first_change(world):
    good_session(world)
    make_session(world.unit_b, starts_at=dt.datetime(2026, 10, 16, 6, tzinfo=dt.UTC))
    with travel(TODAY, 12):
        services.run_checks(2026, actor=system_actor())
    with CaptureQueriesContext(connection) as fresh:
        assert not services.is_stale(world.unit_a, 2026)
    changes = [q["sql"] for q in fresh.captured_queries if "updated_at" in q["sql"] and "compliance_" not in q["sql"]]
    assert len(changes) == len(services.change_sources())  # one per table, nothing per row
    assert all("LIMIT 1" in sql and world.unit_a.path in sql.replace("\\", "") for sql in changes), changes
    with travel(TODAY, 13):
        StudySession.objects.get(organization=world.unit_b).save()  # another unit's change
    assert not services.is_stale(world.unit_a, 2026) and services.is_stale(world.unit_b, 2026)
    with travel(TODAY, 13):
        StudySession.objects.get(organization=world.unit_a).save()
    with CaptureQueriesContext(connection) as stale:
        assert services.is_stale(world.unit_a, 2026)
    assert len(stale.captured_queries) < len(fresh.captured_queries)  # the first table already tells


def test_a_change_in_a_branch_makes_its_unit_stale(world):
    good_session(world)
    with travel(TODAY, 12):
        services.run_checks(2026, actor=system_actor())
    assert not services.is_stale(world.unit_a, 2026)
    with travel(TODAY, 13):
        make_session(world.branch_a, starts_at=dt.datetime(2026, 11, 20, 14, tzinfo=dt.UTC), kind="member_meeting")
    assert services.is_stale(world.unit_a, 2026) and not services.is_stale(world.unit_b, 2026)
