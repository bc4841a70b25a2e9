"""R-O20: the party committee's decision (meeting, date, document) is recorded before the plan is approved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from pangting.core.transitions import available_step_names
from pangting.observation import services
from pangting.observation.models import ObservationPlan, TeamMember

from .scenes import planned, travel

pytestmark = pytest.mark.django_db


def _pdf(name: str = "决定.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4", content_type="application/pdf")


def test_it_refuses_to_approve_a_plan_without_the_committee_decision(world):
    with travel("2026-02-20"):
        planned(world, semester=1, target_month=3)
    plan = ObservationPlan.objects.get(year=2026)
    with pytest.raises(ValidationError, match="R-O20"):
        services.approve_plan(plan, actor=world.supervisor)
    assert "approve" not in available_step_names(plan, world.supervisor)
    assert ObservationPlan.objects.get(pk=plan.pk).status == ObservationPlan.Status.DRAFT


def test_it_approves_once_the_meeting_date_and_document_are_recorded(world):
    with travel("2026-02-20"):
        planned(world, semester=1, target_month=3)
        plan = ObservationPlan.objects.get(year=2026)
        services.record_committee_decision(
            plan, actor=world.supervisor, meeting="党委常委会第2次会议", day=dt.date(2026, 2, 18), document=_pdf()
        )
        services.approve_plan(ObservationPlan.objects.get(pk=plan.pk), actor=world.supervisor)
    plan = ObservationPlan.objects.get(pk=plan.pk)
    assert plan.status == ObservationPlan.Status.APPROVED and plan.approved_by == world.supervisor


@pytest.mark.parametrize(
    ("meeting", "day", "document", "message"),
    [
        ("", dt.date(2026, 2, 18), True, "党委会议"),
        ("党委常委会", dt.date(2026, 3, 1), True, "不能晚于今天"),
        ("党委常委会", dt.date(2026, 2, 18), False, "决定文件"),
    ],
)
def test_it_refuses_an_incomplete_decision(world, meeting, day, document, message):
    with travel("2026-02-20"):
        planned(world, semester=1, target_month=3)
        plan = ObservationPlan.objects.get(year=2026)
        with pytest.raises(ValidationError, match=message):
            services.record_committee_decision(
                plan, actor=world.supervisor, meeting=meeting, day=day, document=_pdf() if document else None
            )
        with pytest.raises(ValidationError):
            services.record_committee_decision(
                plan, actor=world.secretary_a, meeting="党委常委会", day=dt.date(2026, 2, 18), document=_pdf()
            )


def _approve(world, day: str) -> ObservationPlan:
    with travel(day):
        plan = ObservationPlan.objects.get(year=2026)
        services.record_committee_decision(
            plan, actor=world.supervisor, meeting="党委常委会第1次会议", day=dt.date(2026, 1, 8), document=_pdf()
        )
        return services.approve_plan(ObservationPlan.objects.get(pk=plan.pk), actor=world.supervisor)


def test_it_finds_nothing_for_a_plan_approved_by_the_end_of_january(world):
    """R-O1: due at the start of the year (31 January by default)."""
    from pangting.compliance.tests.builders import findings

    with travel("2026-01-09"):
        planned(world, semester=1, target_month=3)
    _approve(world, "2026-01-20")
    assert findings("R-O1", today=dt.date(2026, 6, 1)) == []


def test_it_finds_a_plan_not_approved_or_approved_late(world):
    from pangting.compliance.tests.builders import findings

    with travel("2026-01-09"):
        planned(world, semester=1, target_month=3)
    assert findings("R-O1", today=dt.date(2026, 1, 31)) == []
    [missing] = findings("R-O1", today=dt.date(2026, 2, 2))
    assert (missing.unit_id, missing.key, missing.severity) == (world.root.pk, "plan:2026", "red")
    _approve(world, "2026-02-10")
    [late] = findings("R-O1", today=dt.date(2026, 2, 11))
    assert late.severity == "amber" and late.measured["approved"] == "2026-02-10"


def test_it_reminds_the_supervisor_of_the_plan_before_it_is_due(world):
    from pangting.observation import reminders

    world.supervisor.email = "supervisor@example.edu.cn"
    world.supervisor.save(update_fields=["email"])
    with travel("2026-01-09"):
        planned(world, semester=1, target_month=3)
    [reminder] = [r for r in reminders.due_reminders(dt.date(2026, 1, 30)) if r.key.startswith("plan:")]
    assert reminder.stage == "before" and reminder.emails == ["supervisor@example.edu.cn"]
    _approve(world, "2026-01-30")
    assert [r for r in reminders.due_reminders(dt.date(2026, 1, 31)) if r.key.startswith("plan:")] == []


def test_a_level_with_a_level_above_records_its_own_committee_decision_and_grouping(world):
    """R-O20 with R-O23: the college supervises below the university; its plan and standing teams
    are its own (asked by its seat), though the university observes the college's center group."""
    from pangting.observation.services import grouping
    from pangting.tests.levels import Levels

    L = Levels(world)
    with travel("2026-02-20"):
        visit = services.create_visit(
            actor=L.college_supervisor, unit=L.department, year=2026, semester=1, target_month=3,
            team=[(L.college_leader, TeamMember.Role.LEADER)],
        )  # fmt: skip
        plan = visit.plan
        services.record_committee_decision(
            plan, actor=L.college_supervisor, meeting="学院党委会", day=dt.date(2026, 2, 18), document=_pdf()
        )
        services.approve_plan(ObservationPlan.objects.get(pk=plan.pk), actor=L.college_supervisor)
        team = grouping.save_standing_team(
            actor=L.college_supervisor, supervisor_org=L.college, year=2026, semester=1, name="第一组",
            leader=L.college_leader, units=[L.department],
        )  # fmt: skip
        # The level above reads them, but the college's committee decision is not its to record.
        with pytest.raises(ValidationError, match="督导部门"):
            services.record_committee_decision(
                ObservationPlan.objects.get(pk=plan.pk), actor=world.supervisor, meeting="党委会",
                day=dt.date(2026, 2, 18), document=_pdf(),
            )  # fmt: skip
        with pytest.raises(ValidationError):
            grouping.delete_standing_team(team, actor=world.supervisor)
    assert ObservationPlan.objects.get(pk=plan.pk).status == ObservationPlan.Status.APPROVED
