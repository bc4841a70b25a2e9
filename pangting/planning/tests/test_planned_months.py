"""R-O20: the plan generator reads the months units planned their sessions in, prefers them, and
says for each draft visit whether it falls in one."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from pangting.core import parameters
from pangting.core.system import system_actor
from pangting.planning import services
from pangting.planning.instance import build_instance, planned_months
from pangting.planning.tests.builders import add_college
from pangting.study import services as study_services
from pangting.study.models import StudySession

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def college(world):
    """The personas' world, a third unit C, and a second leader linked to B and C (as in test_runs)."""
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=SHANGHAI)):
        yield add_college(world)


def _plan_themes(unit, year, *periods):
    return study_services.create_plan(
        unit,
        actor=system_actor(),
        year=year,
        themes=[
            {"period_kind": kind, "period": period, "theme": f"专题{n}"} for n, (kind, period) in enumerate(periods)
        ],
    )


def _session(unit, when, **fields):
    return study_services.create_session(
        actor=system_actor(),
        organization=unit,
        starts_at=when,
        ends_at=when + dt.timedelta(hours=2),
        title="中心组专题学习",
        place="第一会议室",
        **fields,
    )


def test_it_reads_the_planned_months_of_every_unit_in_one_query(college, django_assert_num_queries):
    w = college
    _plan_themes(w.unit_a, 2027, ("month", 4), ("month", 10))
    _plan_themes(w.unit_b, 2027, ("quarter", 2))  # a quarter's theme: any of its three months
    _session(w.unit_b, dt.datetime(2027, 11, 12, 14, tzinfo=SHANGHAI))
    cancelled = _session(w.unit_b, dt.datetime(2027, 9, 10, 14, tzinfo=SHANGHAI))
    StudySession.objects.filter(pk=cancelled.pk).update(status=StudySession.Status.CANCELLED)
    _plan_themes(w.unit_c, 2026, ("month", 5))  # last year's plan says nothing about 2027
    units = [w.unit_a.pk, w.unit_b.pk, w.unit_c.pk]
    with django_assert_num_queries(1):
        months = planned_months(units, 2027)
    assert months == {str(w.unit_a.pk): {4, 10}, str(w.unit_b.pk): {4, 5, 6, 11}}
    built = build_instance(w.root, 2027, {"time_limit": 2})
    by_id = {u.id: u.planned_months for u in built.instance.units}
    assert by_id[str(w.unit_a.pk)] == {4, 10}
    assert by_id[str(w.unit_c.pk)] == frozenset()  # no plan: no preferred month


def _run(w, **fields):
    fields.setdefault("time_limit", 3)
    run = services.create_run(actor=w.supervisor, supervisor_org=w.root, year=2027, lanzhou_rule=True, **fields)
    return services.execute_run(run)


def test_the_draft_visits_a_unit_in_its_planned_months_and_says_so(college):
    # R-O20 with R-O12: A is visited by its linked leader every semester, in April and October.
    w = college
    _plan_themes(w.unit_a, 2027, ("month", 4), ("month", 10))
    run = _run(w)
    assert run.parameters["planned_month_weight"] == 5
    a_visits = [v for v in run.draft["visits"] if v["unit_id"] == str(w.unit_a.pk)]
    assert sorted(v["month"] for v in a_visits) == [4, 10]
    assert all(v["planned_months"] == [4, 10] for v in a_visits)
    assert services.planned_month_summary(run.draft["visits"]) == {
        "matched": 2,
        "with_plan": 2,
        "without_plan": len(run.draft["visits"]) - 2,
    }
    client = Client()
    client.force_login(w.supervisor)
    page = client.get(reverse("planning:run_detail", args=[run.pk])).content.decode()
    assert "该单位计划于4月开展学习" in page and "该单位计划于10月开展学习" in page
    assert "该单位未安排本年度中心组学习计划月份" in page
    assert "安排在单位计划学习月份的巡听旁听：2 / 2 次" in page


def test_when_the_leader_is_away_in_the_planned_months_the_draft_says_it_does_not_match(college):
    # R-O20 is soft, unavailability (R-O1) is hard: the leader is away in April and October.
    w = college
    _plan_themes(w.unit_a, 2027, ("month", 4), ("month", 10))
    for month in (4, 10):
        services.create_unavailability(
            actor=w.supervisor,
            supervisor_org=w.root,
            person=w.leader_person,
            year=2027,
            first_month=month,
            last_month=month,
            reason="出国访问",
        )
    run = _run(w)
    a_visits = [v for v in run.draft["visits"] if v["unit_id"] == str(w.unit_a.pk)]
    assert len(a_visits) == 2 and not {v["month"] for v in a_visits} & {4, 10}
    match, note = services.planned_month_note(a_visits[0])
    assert match is False and note == "该单位计划于4月、10月开展学习，本次安排不在其计划月份"
    assert services.planned_month_summary(a_visits)["matched"] == 0


def test_the_weight_is_a_rule_parameter_and_zero_turns_the_preference_off(college):
    w = college
    assert parameters.value("R-O20", "planned_month_weight") == 5
    parameters.set_value("R-O20", "planned_month_weight", "0", actor=w.supervisor, note="不考虑单位计划月份")
    run = _run(w)
    assert run.parameters["planned_month_weight"] == 0
    assert run.status == run.Status.DONE
