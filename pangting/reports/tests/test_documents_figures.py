"""The figures of bulletins and summaries, exact on builder data (R-O15, R-O16, R-O18, R-S12)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from pangting.core.system import system_actor
from pangting.observation import services as observation
from pangting.observation.models import Rectification, State, TeamMember
from pangting.observation.tests.scenes import at, planned, session_on, travel, walk
from pangting.orgs import services as org_services
from pangting.orgs.models import StudyGroupMember
from pangting.reports.figures import compute_figures, percent, period_bounds
from pangting.study import services as study
from pangting.study.models import Attendance
from pangting.tests.builders import make_person

pytestmark = pytest.mark.django_db

DECEMBER = dt.date(2026, 12, 1)


def hold(w: Any, session: Any, statuses: dict[Any, str], closed_at: dt.datetime) -> None:
    """Mark attendance and close it, so the session counts as held (R-S3)."""
    for person, status in statuses.items():
        reason = "出差" if status == Attendance.Status.LEAVE else ""
        study.record_attendance(session, person, actor=w.secretary_a, status=status, leave_reason=reason)
    study.close_attendance(session, actor=w.secretary_a, at=closed_at)


def year_of_study(w: Any) -> SimpleNamespace:
    """Unit A: two held sessions (one led by its secretary), a closed visit with a practice; unit B: a random visit."""
    with travel("2026-01-05"):
        secretary = make_person("孙书记", w.unit_a, post="党委书记")
        org_services.add_member(w.group_a, secretary, actor=system_actor(), role=StudyGroupMember.Role.LEADER)
    with travel("2026-05-10"):
        spring = session_on(w, "2026-05-20", led_by=w.member_person)
    with travel("2026-05-20", "17:00"):
        hold(
            w,
            spring,
            {secretary: Attendance.Status.PRESENT, w.member_person: Attendance.Status.PRESENT},
            at("2026-05-20", "17:00"),
        )
    with travel("2026-09-20"):
        autumn = session_on(w, led_by=secretary)
    visit = walk(w, State.CLOSED, session=autumn)
    with travel("2026-10-23"):
        hold(
            w,
            autumn,
            {secretary: Attendance.Status.PRESENT, w.member_person: Attendance.Status.LEAVE},
            at("2026-10-23"),
        )
        practice = observation.collect_practice(
            actor=w.supervisor,
            unit=w.unit_a,
            title="理论学习成果转化清单",
            description="每次学习形成转化清单。",
            visit=visit,
        )
        observation.promote_practice(practice, actor=w.supervisor)
    with travel("2026-11-02"):
        observation.record_replication(practice, w.unit_b, actor=w.supervisor, on=dt.date(2026, 11, 2))
        planned(w, unit=w.unit_b, mode="random", target_month=11, team=[(w.leader_person, TeamMember.Role.LEADER)])
    return SimpleNamespace(visit=visit, practice=practice, secretary=secretary)


@pytest.fixture
def scene(world):
    return year_of_study(world)


def test_it_counts_the_years_observation_exactly(world, scene):
    f = compute_figures(world.root, 2026, today=DECEMBER)
    assert (f["units_total"], f["units_observed"], f["units_not_observed"]) == (2, 1, ["乙学院党委"])  # R-O11
    assert f["visits_total"] == 2 and f["visits_observed"] == 1
    assert f["visits_by_mode"] == {"planned": 1, "random": 1, "invited": 0}  # R-O2
    assert (f["records_filed"], f["records_on_time"]) == (1, 1)  # R-O8: filed 2026-10-02, due 2026-10-03
    assert (f["score_count"], f["score_avg"], f["score_min"], f["score_max"]) == (1, "82.5", "82.5", "82.5")  # R-O18


def test_it_counts_practices_sessions_problems_and_rectification(world, scene):
    f = compute_figures(world.root, 2026, today=DECEMBER)
    assert (f["practices_found"], f["practices_promoted"], f["replications"], f["replicating_units"]) == (1, 1, 1, 1)
    assert f["practice_lines"] == [
        {"title": "理论学习成果转化清单", "unit": "甲学院党委", "status": "promoted", "replications": 1}
    ]  # R-O16
    assert (f["sessions_held"], f["sessions_led_by_secretary"], f["secretary_led_share"]) == (2, 1, "50.0%")  # R-S12
    assert f["participation"] == "75.0%"  # 3 present of 4 expected (R-S3)
    assert f["feedback_issued"] == 1
    counts = {p["key"]: p["count"] for p in f["problems_by_point"]}
    assert len(counts) == 11 and counts["conversion"] == 1 and sum(counts.values()) == 1  # R-O9
    assert (f["rectification_total"], f["rectification_verified"], f["rectification_overdue"]) == (1, 1, 0)  # R-O10
    assert f["rectification_in_progress"] == 0


def test_it_fills_one_row_per_unit(world, scene):
    rows = compute_figures(world.root, 2026, today=DECEMBER)["units"]
    assert rows == [
        {
            "name": "甲学院党委",
            "sessions_held": 2,
            "led_by_secretary": 1,
            "participation": "75.0%",
            "visits": 1,
            "observed": True,
            "score": "82.5",
        },
        {
            "name": "乙学院党委",
            "sessions_held": 0,
            "led_by_secretary": 0,
            "participation": None,
            "visits": 1,
            "observed": False,
            "score": None,
        },
    ]


def test_it_limits_a_semester_bulletin_to_its_months(world, scene):
    spring = compute_figures(world.root, 2026, 1, today=DECEMBER)
    assert spring["visits_total"] == 0 and spring["practices_found"] == 0 and spring["replications"] == 0
    assert (spring["sessions_held"], spring["sessions_led_by_secretary"], spring["participation"]) == (1, 0, "100.0%")
    autumn = compute_figures(world.root, 2026, 2, today=DECEMBER)
    assert autumn["visits_total"] == 2 and autumn["sessions_held"] == 1 and autumn["secretary_led_share"] == "100.0%"


def test_it_counts_an_overdue_rectification(world):
    visit = walk(world, State.RECTIFYING)
    with travel("2026-10-20"):
        for item in Rectification.objects.filter(visit=visit):
            observation.plan_rectification(
                item,
                actor=world.secretary_a,
                measure="制定清单",
                owner=world.member_person,
                deadline=dt.date(2026, 11, 30),
            )
    f = compute_figures(world.root, 2026, today=DECEMBER)
    assert (f["rectification_total"], f["rectification_verified"], f["rectification_overdue"]) == (1, 0, 1)
    assert f["rectification_in_progress"] == 1
    assert compute_figures(world.root, 2026, today=dt.date(2026, 11, 30))["rectification_overdue"] == 0


def test_it_answers_an_empty_year_with_zeros_and_nothing_to_average(world):
    f = compute_figures(world.root, 2031, today=DECEMBER)
    assert (f["units_total"], f["visits_total"], f["records_filed"], f["sessions_held"]) == (2, 0, 0, 0)
    assert f["score_avg"] is None and f["secretary_led_share"] is None and f["participation"] is None
    assert f["units_not_observed"] == ["甲学院党委", "乙学院党委"]


def test_it_sees_only_the_supervising_subtree(world, scene):
    f = compute_figures(world.unit_b, 2026, today=DECEMBER)
    assert f["units_total"] == 0 and f["visits_total"] == 1 and f["sessions_held"] == 0


def test_it_runs_a_fixed_number_of_queries_whatever_the_data(world, django_assert_num_queries):
    with django_assert_num_queries(11):  # nothing held: no group leaders to look up (+2: R-O10 escalation)
        compute_figures(world.root, 2026, today=DECEMBER)
    year_of_study(world)
    with django_assert_num_queries(12):
        compute_figures(world.root, 2026, today=DECEMBER)
    with travel("2026-06-01"):
        extra = session_on(world, "2026-06-10", unit=world.unit_b)
    with travel("2026-06-10", "17:00"):
        study.close_attendance(extra, actor=world.secretary_b, at=at("2026-06-10", "17:00"))
        planned(
            world, unit=world.unit_b, semester=1, target_month=6, team=[(world.leader_person, TeamMember.Role.LEADER)]
        )
    with django_assert_num_queries(12):
        assert compute_figures(world.root, 2026, today=DECEMBER)["sessions_held"] == 3


def test_it_rounds_percentages_half_up():
    assert percent(1, 3) == "33.3%" and percent(2, 3) == "66.7%" and percent(1, 8) == "12.5%"
    assert percent(0, 0) is None


def test_it_bounds_a_bulletin_semester_as_every_other_page_does():
    # The academic semesters of core.semesters: an autumn bulletin covers September–January,
    # the months an autumn ledger and the R-O12 check cover.
    assert period_bounds(2026) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert period_bounds(2026, 1) == (dt.date(2026, 2, 1), dt.date(2026, 8, 31))
    assert period_bounds(2026, 2) == (dt.date(2026, 9, 1), dt.date(2027, 1, 31))
