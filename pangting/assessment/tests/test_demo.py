"""The demo extension: the year's confirmed scheme and 述学 reports, filed through the services."""

from __future__ import annotations

import datetime as dt

import time_machine

from pangting.assessment.demo import extend_demo
from pangting.assessment.models import AssessmentScheme, StudyReport
from pangting.core.demo import DemoDates
from pangting.orgs.models import StudyGroupMember
from pangting.tests.builders import make_person


def test_it_confirms_the_2026_scheme_and_files_reports_for_leaders_and_secretaries(world):
    leader = make_person("孙书记", world.root, post="党委书记", is_school_leader=True)
    world.group_a.memberships.filter(person=world.member_person).update(role=StudyGroupMember.Role.LEADER)
    context = {"root": world.root, "units": [world.unit_a, world.unit_b], "users": {"xuanchuan": world.supervisor}}
    context["dates"] = DemoDates(dt.date(2026, 11, 23))
    with time_machine.travel("2026-11-23 10:00 +0800", tick=False):
        extend_demo(context)
    scheme = AssessmentScheme.objects.get()
    assert (scheme.year, scheme.status) == (2026, AssessmentScheme.Status.CONFIRMED)
    filed = set(StudyReport.objects.values_list("person__name", "organization__code", "year"))
    assert {
        ("孙书记", "ROOT", 2025),
        ("王校领导", "ROOT", 2025),
        ("陈成员", "UA", 2025),
        ("王校领导", "ROOT", 2026),
    } <= filed
    assert ("陈成员", "UA", 2026) not in filed  # one in three has not reported yet this year
    assert (
        StudyReport.objects.filter(year=2025).exclude(rating="").count()
        == StudyReport.objects.filter(year=2025).count()
    )
    assert leader.study_reports.exists()


def test_the_demo_reports_get_several_raters_tallied(world):
    """R-O22: the demo's reports are rated by several raters (never by the reporter)."""
    from pangting.assessment import services

    users = {"xuanchuan": world.supervisor, **world.personas()}
    context = {"root": world.root, "units": [world.unit_a, world.unit_b], "users": users}
    context["dates"] = DemoDates(dt.date(2026, 11, 23))
    with time_machine.travel("2026-11-23 10:00 +0800", tick=False):
        extend_demo(context)
    report = StudyReport.objects.filter(person=world.leader_person, year=2026).get()
    tally = services.tally(report)
    assert tally.total >= 2
    assert not report.ratings.filter(rater=world.leader).exists()  # the reporter does not rate himself
