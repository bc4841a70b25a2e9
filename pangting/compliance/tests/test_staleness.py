"""Issue 15: the unit page's staleness check reads the small indexed table of units' last change.

Every record the checks read marks its units in `orgs.UnitChange` when saved (`orgs.changes`);
`is_stale` reads the unit's row. These tests hold the list of marking records to the tables
the staleness check used to scan, and show a change through each one's service making its
unit, and only its unit, stale.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pangting.compliance import services
from pangting.core import clock
from pangting.core.system import system_actor
from pangting.observation import services as observation
from pangting.observation.models import Feedback, Rectification
from pangting.observation.tests.scenes import FINDINGS, SCORES, planned, walk
from pangting.orgs import changes as unit_changes
from pangting.orgs.changes import touch, unit_change_models
from pangting.orgs.models import UnitChange
from pangting.study import services as study
from pangting.study.models import StudySession
from pangting.study.tests.builders import at, make_session

from .builders import good_session, travel

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)
RUN = dt.date(2026, 11, 21)  # the complete run, after every record below was made
CHANGE = dt.date(2026, 11, 22)  # the change through the service

# The records whose `updated_at` the staleness check scanned before this table (one table each,
# and a cross-observation by its host and by its visitor), with their path to the organization;
# and the agenda items, which R-S4 and the dashboard's figures read.
SCANNED = {
    ("study.StudyPlan", "organization"),
    ("study.StudySession", "organization"),
    ("study.Attendance", "session__organization"),
    ("study.AgendaItem", "session__organization"),  # R-S4, and the dashboard's figures (not scanned before)
    ("study.Reschedule", "session__organization"),
    ("study.Reflection", "organization"),
    ("observation.Visit", "unit"),
    ("observation.ObservationRecord", "visit__unit"),
    ("observation.Feedback", "visit__unit"),
    ("observation.Rectification", "unit"),
    ("observation.CrossObservation", "host"),
    ("observation.CrossObservation", "visitor"),
}


def _session(w: Any) -> StudySession:
    with travel(dt.date(2026, 11, 10)):
        return make_session(w.unit_a, starts_at=at(2026, 11, 25), actor=w.secretary_a)


def _plan(w: Any) -> Callable[[], Any]:
    with travel(dt.date(2026, 1, 5)):
        plan = study.create_plan(w.unit_a, actor=system_actor(), year=2026)
    return lambda: study.update_plan(plan, actor=system_actor(), title="2026年度理论学习中心组学习计划（修订）")


def _study_session(w: Any) -> Callable[[], Any]:
    session = _session(w)
    return lambda: study.update_session(session, actor=w.secretary_a, place="图书馆报告厅")


def _attendance(w: Any) -> Callable[[], Any]:
    session = _session(w)
    return lambda: study.record_attendance(
        session, w.member_person, actor=w.secretary_a, status="leave", leave_reason="出差"
    )


def _agenda_item(w: Any) -> Callable[[], Any]:
    session = _session(w)
    agenda = [{"kind": "first_item", "title": "学习习近平总书记重要讲话精神", "source": "重要讲话"}]
    return lambda: study.update_session(session, actor=w.secretary_a, agenda=agenda)


def _reschedule(w: Any) -> Callable[[], Any]:
    session = _session(w)
    later = session.starts_at + dt.timedelta(days=1)
    return lambda: study.reschedule_session(
        session, actor=w.secretary_a, starts_at=later, ends_at=later + dt.timedelta(hours=2), reason="与上级会议冲突"
    )


def _reflection(w: Any) -> Callable[[], Any]:
    return lambda: study.add_reflection(w.member_person, actor=w.member, title="体会", text="学习体会正文")


def _visit(w: Any) -> Callable[[], Any]:
    with travel(dt.date(2026, 9, 25)):
        visit = planned(w)
    return lambda: observation.issue_letter(visit, actor=w.supervisor)


def _observation_record(w: Any) -> Callable[[], Any]:
    visit = walk(w, "observed")
    return lambda: observation.save_record(visit, actor=w.liaison, data=FINDINGS, scores=SCORES)


def _feedback(w: Any) -> Callable[[], Any]:
    visit = walk(w, "recorded")
    return lambda: observation.draft_feedback(visit, actor=w.supervisor)


def _rectification(w: Any) -> Callable[[], Any]:
    visit = walk(w, "rectifying")
    item = Rectification.objects.filter(visit=visit).first()
    return lambda: observation.plan_rectification(
        item, actor=w.secretary_a, measure="制定清单", owner=w.member_person, deadline=dt.date(2026, 11, 30)
    )


def _cross_observation(w: Any) -> Callable[[], Any]:
    return lambda: observation.invite_cross_observation(w.unit_a, w.unit_b, actor=w.supervisor)


# A change through its service, for every record that marks its units: setup, then the change.
CHANGES: dict[str, Callable[[Any], Callable[[], Any]]] = {
    "study.StudyPlan": _plan,
    "study.StudySession": _study_session,
    "study.Attendance": _attendance,
    "study.AgendaItem": _agenda_item,
    "study.Reschedule": _reschedule,
    "study.Reflection": _reflection,
    "observation.Visit": _visit,
    "observation.ObservationRecord": _observation_record,
    "observation.Feedback": _feedback,
    "observation.Rectification": _rectification,
    "observation.CrossObservation": _cross_observation,
}


def test_the_records_that_mark_their_units_are_the_tables_the_check_scanned_and_each_has_a_service_change():
    marking = {(model._meta.label, field) for model, field in unit_change_models()}
    assert marking == SCANNED
    assert set(CHANGES) == {label for label, _field in marking}


@pytest.mark.parametrize("label", sorted(CHANGES))
def test_a_change_through_its_service_makes_the_unit_stale(world, label):
    model = next(model for model, _field in unit_change_models() if model._meta.label == label)
    change = CHANGES[label](world)
    with travel(RUN, 12):
        services.run_checks(2026, actor=system_actor())
    assert not services.is_stale(world.unit_a, 2026) and not services.is_stale(world.unit_b, 2026)
    with travel(CHANGE, 9):
        change()
        moment = model.all_objects.latest("updated_at").updated_at
    assert moment.date() == CHANGE  # the service wrote this very table
    assert services.is_stale(world.unit_a, 2026)
    # Only a cross-observation belongs to the other unit as well (its visitor).
    assert services.is_stale(world.unit_b, 2026) == (label == "observation.CrossObservation")
    assert services.changed_units(2026) == [
        unit for unit in (world.unit_a, world.unit_b) if services.is_stale(unit, 2026)
    ]
    # And the record's own save marks the unit, whatever else the service saved.
    record = model.all_objects.latest("updated_at")
    with travel(TODAY, 9):
        record.save()
    assert UnitChange.objects.get(unit=world.unit_a).changed_at.date() == TODAY


def test_one_units_check_reads_two_queries_whatever_the_data(world):
    good_session(world)
    make_session(world.unit_b, starts_at=dt.datetime(2026, 10, 16, 6, tzinfo=dt.UTC))
    with travel(TODAY, 12):
        services.run_checks(2026, actor=system_actor())
    with travel(TODAY, 13):
        services.refresh_unit(world.unit_b, 2026, actor=system_actor())  # a unit run first among the runs
    with CaptureQueriesContext(connection) as fresh:
        assert not services.is_stale(world.unit_a, 2026)
    assert len(fresh.captured_queries) == 2  # the latest runs, then the unit's row
    assert "orgs_unitchange" in fresh.captured_queries[1]["sql"]
    with travel(TODAY, 14):
        StudySession.objects.get(organization=world.unit_b).save()  # another unit's change
    assert not services.is_stale(world.unit_a, 2026) and services.is_stale(world.unit_b, 2026)
    with travel(TODAY, 14):
        StudySession.objects.get(organization=world.unit_a).save()
    with CaptureQueriesContext(connection) as stale:
        assert services.is_stale(world.unit_a, 2026)
    assert len(stale.captured_queries) == 2


def test_a_change_in_a_branch_makes_its_unit_stale(world):
    good_session(world)
    with travel(TODAY, 12):
        services.run_checks(2026, actor=system_actor())
    assert not services.is_stale(world.unit_a, 2026)
    with travel(TODAY, 13):
        make_session(world.branch_a, starts_at=dt.datetime(2026, 11, 20, 14, tzinfo=dt.UTC), kind="member_meeting")
    assert services.is_stale(world.unit_a, 2026) and not services.is_stale(world.unit_b, 2026)


def _hour(row: UnitChange) -> int:
    return timezone.localtime(row.changed_at).hour


def test_touch_marks_only_the_organizations_themselves_in_one_query(world, django_assert_num_queries):
    # Not their ancestors: a write locks its own row, so writes under one unit do not queue on the unit's row.
    with travel(TODAY, 9), django_assert_num_queries(1):
        touch(world.branch_a)
    assert {row.unit_id: _hour(row) for row in UnitChange.objects.all()} == {world.branch_a.pk: 9}
    with travel(TODAY, 10), django_assert_num_queries(1):
        touch([world.unit_a.path, world.unit_b])
    assert {row.unit_id: _hour(row) for row in UnitChange.objects.all()} == {
        world.unit_a.pk: 10,
        world.branch_a.pk: 9,
        world.unit_b.pk: 10,
    }
    with django_assert_num_queries(0):
        touch([])


def test_a_change_in_a_branch_makes_its_unit_stale_through_the_path_prefix(world):
    since = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with travel(TODAY, 9):
        touch(world.branch_a)
    units = [world.unit_a, world.unit_b]
    assert unit_changes.changed_since(since, units) == {world.unit_a.pk}
    assert unit_changes.changed_since(since, [world.unit_a]) == {world.unit_a.pk}
    assert unit_changes.changed_since(since, [world.unit_b]) == set()
    with travel(TODAY, 10):
        assert unit_changes.changed_since(clock.now(), units) == set()


def test_a_soft_deletion_makes_the_unit_stale(world):
    visit = walk(world, "feedback_issued")
    with travel(RUN, 12):
        services.run_checks(2026, actor=system_actor())
    assert not services.is_stale(world.unit_a, 2026)
    with travel(CHANGE):
        Feedback.objects.get(visit=visit).soft_delete(actor=world.supervisor)
    assert services.is_stale(world.unit_a, 2026)


def test_the_data_migration_fills_the_table_as_the_saves_wrote_it(world):
    good_session(world)
    with travel(TODAY, 8):
        make_session(world.branch_a, starts_at=dt.datetime(2026, 11, 20, 14, tzinfo=dt.UTC), kind="member_meeting")
    with travel(TODAY, 9):
        observation.invite_cross_observation(world.unit_a, world.unit_b, actor=world.supervisor)
    written = dict(UnitChange.objects.values_list("unit_id", "changed_at"))
    assert set(written) == {world.unit_a.pk, world.branch_a.pk, world.unit_b.pk}
    UnitChange.objects.all().delete()  # an install from before the table
    importlib.import_module("pangting.compliance.migrations.0004_fill_unit_changes").fill(django_apps, None)
    assert dict(UnitChange.objects.values_list("unit_id", "changed_at")) == written
