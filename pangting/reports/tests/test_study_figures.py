"""Issue 15: the dashboard's center-group figures kept per unit and year (`reports.study_figures`).

The stored rows equal a recount of the records; a change to a session, its attendance, agenda
or reschedules, or to who leads the group, shows at once (the unit is counted live until its
row is counted again); `refresh_figures` stores the changed units only and `--check` proves
the stored rows equal a full recount."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from pangting.core.models import Job
from pangting.core.system import system_actor
from pangting.core.tests.worker import run_worker
from pangting.orgs import services as org_services
from pangting.reports import metrics, study_figures
from pangting.reports.models import StudyFigures
from pangting.reports.tests.test_dashboard_recount import recount_sessions, recount_timeliness
from pangting.reports.tests.test_dashboards import group_leader, grow, held_session
from pangting.study import services as study_services
from pangting.study.models import AgendaItem, StudySession
from pangting.study.tests.builders import at, make_session

pytestmark = pytest.mark.django_db


def _threshold() -> Any:
    return metrics.get_parameters().participation_threshold


def _recount(world: Any) -> dict[int, study_figures.Counts]:
    ids = [world.unit_a.pk, world.unit_b.pk]
    return study_figures.count(ids, 2026, _threshold())


def _fresh_units() -> set[int]:
    return set(study_figures.fresh(2026, _threshold()).values_list("unit_id", flat=True))


@pytest.fixture
def sessions(world: Any) -> Any:
    """Held sessions of unit A (one led by the group's leader, one with an absentee), rescheduled ones of unit B."""
    grow(world, 2)
    leader = group_leader(world)
    led = held_session(world, world.unit_a, 20, present=2)
    StudySession.objects.filter(pk=led.pk).update(led_by=leader)
    led.refresh_from_db()
    return led


def test_a_refresh_stores_what_a_recount_gives_and_a_read_of_fresh_rows_counts_nothing(
    world, sessions, django_assert_num_queries
):
    ids = [world.unit_a.pk, world.unit_b.pk]
    counted = _recount(world)
    assert counted[world.unit_a.pk].held >= 3 and counted[world.unit_b.pk].rescheduled_once == 2
    assert counted[world.unit_a.pk].first_item >= 1 and counted[world.unit_a.pk].secretary_led == 1
    assert study_figures.refresh(2026) >= 2
    assert _fresh_units() >= set(ids)
    with django_assert_num_queries(2):  # the parameters and the stored rows: nothing counted
        assert study_figures.figures(ids, 2026) == counted
    assert study_figures.check(2026) == []
    # The dashboard's own figures agree with reading each session one by one, R-S10 included.
    for today in (dt.date(2026, 11, 1), dt.date(2026, 12, 31)):
        deadlines = metrics.timeliness([world.unit_a, world.unit_b], 2026, today)
        recounted = recount_timeliness([world.unit_a, world.unit_b], 2026, today)
        assert {r.kind: (r.on_time, r.late, r.overdue, r.pending) for r in deadlines} == recounted
    rows = metrics.sessions([world.unit_a, world.unit_b], 2026).rows
    assert [(r.unit.pk, r.held, r.first_item, r.secretary_led) for r in rows] == [
        row[:4] for row in recount_sessions([world.unit_a, world.unit_b], 2026)
    ]


def test_each_kind_of_change_shows_at_once_and_a_refresh_stores_only_the_changed_unit(world, sessions):
    study_figures.refresh(2026)
    before = _recount(world)[world.unit_a.pk]

    def shown() -> study_figures.Counts:
        assert world.unit_a.pk not in _fresh_units()  # the change made unit A's row stale
        figures = study_figures.figures([world.unit_a.pk, world.unit_b.pk], 2026)
        assert figures == _recount(world)
        assert study_figures.refresh(2026) == 1  # unit A only
        assert study_figures.check(2026) == [] and world.unit_a.pk in _fresh_units()
        return figures[world.unit_a.pk]

    # R-S3: a new held session with an absentee (the session's save and each attendance's).
    new = held_session(world, world.unit_a, 24, present=1, absent=1)
    after = shown()
    assert (after.held, after.expected - before.expected, after.present - before.present) == (before.held + 1, 2, 1)
    # R-S10: the report after the session sent to the supervisor, the day after it (the session's save).
    assert new.report_due and not new.report_submitted_at
    study_services.send_report(new, actor=system_actor(), at=new.ends_at + dt.timedelta(days=1))
    assert shown().report_on_time == after.report_on_time + 1
    # R-S4: the first agenda item withdrawn (an agenda item's own save, soft deletion).
    for item in AgendaItem.objects.filter(session=sessions, kind=AgendaItem.Kind.FIRST_ITEM):
        item.deleted_at = at(2026, 12, 1)
        item.save()
    assert shown().first_item == after.first_item - 1
    # R-S11: a reschedule.
    planned = make_session(world.unit_a, starts_at=at(2026, 12, 8))
    study_figures.refresh(2026)
    study_services.reschedule_session(
        planned, actor=system_actor(), starts_at=at(2026, 12, 9), ends_at=at(2026, 12, 9, 16), reason="冲突"
    )
    assert shown().rescheduled_once == after.rescheduled_once + 1
    # R-S12: the leader left the group before the session: it was not led by the secretary.
    member = sessions.group.memberships.get(person=sessions.led_by)
    org_services.end_membership(member, actor=system_actor(), on=dt.date(2026, 11, 1))
    assert shown().secretary_led == after.secretary_led - 1


def test_a_change_in_the_same_instant_as_the_count_is_not_taken_for_counted(world, sessions):
    changed = dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC)
    with time_machine.travel(changed, tick=False):
        held_session(world, world.unit_a, 25, present=2)  # the unit's last change: `changed`
    with time_machine.travel(changed + dt.timedelta(hours=1), tick=False):
        study_figures.refresh(2026)
        assert world.unit_a.pk in _fresh_units()
        held_session(world, world.unit_a, 26, present=2)  # under the stopped clock: the same instant
        assert world.unit_a.pk not in _fresh_units()
        assert study_figures.figures([world.unit_a.pk], 2026) == {world.unit_a.pk: _recount(world)[world.unit_a.pk]}


def test_a_new_r_s3_threshold_makes_every_row_stale(world, sessions, settings):
    study_figures.refresh(2026)
    assert _fresh_units() >= {world.unit_a.pk, world.unit_b.pk}
    settings.PANGTING_RULE_PARAMETERS = {"R-S3": {"min_rate": 50}}
    assert _fresh_units() == set()
    figures = study_figures.figures([world.unit_a.pk], 2026)
    assert figures[world.unit_a.pk].meeting_threshold == _recount(world)[world.unit_a.pk].meeting_threshold
    assert study_figures.refresh(2026) >= 2 and study_figures.check(2026) == []


def test_the_command_refreshes_checks_and_names_a_figure_that_differs(world, sessions):
    out = StringIO()
    call_command("refresh_figures", "--year", "2026", stdout=out)
    assert "2026年已重新统计" in out.getvalue()
    call_command("refresh_figures", "--year", "2026", "--check", stdout=out)
    assert "一致" in out.getvalue()
    StudyFigures.objects.filter(unit=world.unit_a, year=2026).update(held=99)  # a stored row gone wrong
    out = StringIO()
    with pytest.raises(CommandError, match="不一致"):
        call_command("refresh_figures", "--year", "2026", "--check", stdout=out)
    assert f"单位 {world.unit_a.pk}：held 保存为 99" in out.getvalue()
    call_command("refresh_figures", "--year", "2026", "--all", stdout=StringIO())
    assert study_figures.check(2026) == []
    with pytest.raises(CommandError, match="无效"):
        call_command("refresh_figures", "--year", "1999")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_timer_queues_the_refresh_for_the_worker(world, sessions):
    out = StringIO()
    call_command("refresh_figures", "--year", "2026", "--enqueue", stdout=out)
    job = Job.objects.get(kind="reports.figures")
    assert f"已排队后台任务 {job.pk}" in out.getvalue() and not StudyFigures.objects.exists()
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result["units"] >= 2
    assert _fresh_units() >= {world.unit_a.pk, world.unit_b.pk} and study_figures.check(2026) == []
