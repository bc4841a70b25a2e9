"""Issue 15: each check reads a fixed number of queries, whatever the number of units.

Every registered check runs alone (its own cache, so the shared loads it needs are counted in
it) over the test world, then again after four more units with their center groups, plans,
sessions and branches are added; each count is pinned in `QUERIES`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pangting.compliance import services
from pangting.compliance.registry import ordered_rules
from pangting.core.system import system_actor
from pangting.observation.models import State
from pangting.observation.tests.scenes import walk
from pangting.orgs import services as org_services
from pangting.orgs.models import OrganizationKind, StudyGroupMember
from pangting.study import services as study
from pangting.study.models import Attendance, SessionKind
from pangting.study.tests.builders import at
from pangting.tests.builders import make_org, make_person
from pangting.workdays.services import get_calendar

from .builders import good_session, more_units, travel

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


def _counts():
    get_calendar()  # cached per process: warmed, so no count depends on which test ran first
    counts = {}
    for rule in ordered_rules():
        with travel(TODAY, 12), CaptureQueriesContext(connection) as captured:
            services.compute(2026, rules=[rule.id])
        counts[rule.id] = len(captured)
    return counts


def test_every_check_reads_the_same_queries_for_four_units_and_for_six(world):
    good_session(world)
    more_units(world, 0, 2)  # every kind of record present, so no check skips a query for want of rows
    few = _counts()
    more_units(world, 2, 2)
    many = _counts()
    assert many == few
    assert many == QUERIES


# Measured. Each count includes the run's own
# reads (the scope's records exist, the parameters); a check reading the shared session facts
# counts that load too. The parameters are read once per run (`core.parameters.read_once`): a
# check that asked the study services for them again no longer reads them a second time.
QUERIES: dict[str, int] = {
    "R-S1": 6,
    "R-S2": 9,  # its frequency report is read with the branches' (`branches._branches`): one for both
    "R-S3": 9,
    "R-S4": 9,
    "R-S5": 9,
    "R-S6": 10,
    "R-S7": 18,
    "R-S8": 9,
    "R-S9": 9,
    "R-S10": 12,
    "R-S11": 9,
    "R-S12": 9,
    "R-S13": 5,
    "R-S14": 11,  # with the shared session facts: its evidence reuses their labels
    "R-S15": 12,
    "R-S16": 5,
    "R-S17": 7,
    "R-S18": 3,
    "R-S19": 4,
    "R-S20": 9,
    "R-S21": 10,
    "R-O1": 7,
    "R-O4": 6,
    "R-O8": 4,
    "R-O9": 4,
    "R-O10": 5,
    "R-O11": 3,
    "R-O12": 4,
    "R-O13": 4,
    "R-O15": 3,
    "R-B1": 9,  # the units under the scope: a branch is its nearest unit
    "R-B2": 9,
    "R-B3": 10,
    "R-B4": 10,
    "R-B5": 10,
    "R-B6": 3,
    "R-B7": 12,
    "R-B8": 9,
}  # fmt: skip


def _run_sql() -> list[str]:
    get_calendar()
    with travel(TODAY, 12), CaptureQueriesContext(connection) as captured:
        services.compute(2026)
    return [query["sql"] for query in captured]


def test_no_query_lists_the_year_s_sessions_one_by_one(world):
    """The checks select the rows of the year's sessions by a subquery (`_common.year_sessions`),
    never by their ids: a province's 150,000 sessions would be 150,000 parameters (SQLite refuses
    more than 32,766). More sessions of the same unit and members leave every query's text as it
    was, give or take the digits of a day or an id."""
    good_session(world, dt.date(2026, 3, 12))
    before = _run_sql()
    for month in (1, 2, 4, 5, 6, 7, 8, 9):
        good_session(world, dt.date(2026, month, 20))
    after = _run_sql()
    assert len(after) == len(before)
    # Eight more ids in a list would add at least 24 characters.
    grown = [(len(b), len(a), a[:600]) for b, a in zip(before, after, strict=True) if len(a) - len(b) > 6]
    assert grown == []


def _branch_year(branch: Any, lecturer: Any) -> None:
    """A branch's held committee meeting, its quarter's thematic discussion attended by a member
    of its own (R-B1, R-B4's reflections) and a party lecture by `lecturer` (R-B3)."""
    member = make_person(f"{branch.code}党员", branch, post="教师")
    discussion = [{"kind": "theory", "title": "学习党章"}, {"kind": "discussion", "title": "专题研讨"}]
    for kind, day, fields in (
        (SessionKind.BRANCH_COMMITTEE, dt.date(2026, 3, 5), {}),
        (SessionKind.BRANCH_STUDY, dt.date(2026, 3, 10), {"agenda": discussion}),
        (SessionKind.PARTY_LECTURE, dt.date(2026, 5, 12), {"lecturer_person": lecturer}),
    ):
        fields.setdefault("agenda", [{"kind": "theory", "title": "学习党章"}])
        with travel(day - dt.timedelta(days=5)):
            session = study.create_session(
                actor=system_actor(), organization=branch, kind=kind, starts_at=at(day.year, day.month, day.day),
                ends_at=at(day.year, day.month, day.day) + dt.timedelta(hours=1), title="支部会议", place="活动室",
                **fields,
            )  # fmt: skip
        with travel(day, 18):
            study.record_attendance(session, member, actor=system_actor(), status=Attendance.Status.PRESENT)
            study.close_attendance(session, actor=system_actor())


def _leader(w: Any, name: str) -> Any:
    """Another leader of unit A's center group, a cadre with his own branch (R-B3, R-S13, R-B7)."""
    person = make_person(name, w.unit_a, post="党委副书记")
    org_services.add_member(w.group_a, person, actor=system_actor(), role=StudyGroupMember.Role.LEADER)
    study.assign_cadre_branch(person, w.branch_a, actor=system_actor(), since=dt.date(2026, 1, 1))
    return person


def test_no_query_lists_the_scope_s_branches_leaders_or_visits_one_by_one(world):
    """R-B3, R-B4, R-B5, R-B7, R-S13, R-O4, R-O10: the checks select the rows of the branches,
    leaders and visits in scope by a subquery, never by their ids (a province has about 30,000
    branches, 140,000 people and thousands of visits; SQLite refuses more than 32,766
    parameters). More branches with their meetings, more leaders and more visits of the same
    unit leave every query's text as it was, give or take the digits of a day or an id."""
    good_session(world, dt.date(2026, 3, 12))
    _branch_year(world.branch_a, _leader(world, "甲书记"))
    walk(world, State.RECTIFYING)
    before = _run_sql()
    for i in range(3):
        branch = make_org(f"第{i + 2}党支部", world.unit_a, kind=OrganizationKind.BRANCH, code=f"UAB{i + 2}")
        _branch_year(branch, _leader(world, f"乙书记{i}"))
        walk(world, State.RECTIFYING)
    after = _run_sql()
    assert len(after) == len(before)
    # Three more ids in a list would add at least 9 characters.
    grown = [(len(b), len(a), a[:600]) for b, a in zip(before, after, strict=True) if len(a) - len(b) > 6]
    assert grown == []
