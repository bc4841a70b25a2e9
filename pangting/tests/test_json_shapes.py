"""Every JSON column with a fixed shape declares it, and a save that breaks the shape is refused.

One test per declared shape: what the real producer writes fits, a broken value is named and
refused (`core.jsonshape`). The suites of the owning apps save these columns through their
services all the time, so a producer that drifts from its shape fails there too.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from pangting.compliance.models import ComplianceRun
from pangting.core.jsonshape import check_shapes, shape_errors
from pangting.core.system import system_actor
from pangting.lib.workdays import DayUnit
from pangting.observation.models import CHECKLIST_POINTS, CrossObservation, Feedback, Visit
from pangting.observation.services.deadlines import _deadline, reply_rule
from pangting.planning.models import Draw, PlanRun
from pangting.planning.tests.builders import make_draw
from pangting.reports.models import DocumentKind, ReportVersion
from pangting.study import rules
from pangting.study.models import StudySession
from pangting.workdays.shapes import DEADLINE_BASIS

pytestmark = pytest.mark.django_db


def _refused(instance: object, shapes: dict, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_shapes(instance, shapes)
    assert field in refused.value.message_dict


def test_it_keeps_the_visit_and_cross_observation_deadline_basis_in_shape():
    due, basis, warning = _deadline(dt.date(2026, 9, 28), reply_rule())
    assert due is not None and not warning
    _due, unknown_year, refusal = _deadline(dt.date(2099, 12, 28), reply_rule())  # the year is not entered
    assert refusal and unknown_year == {}
    for value in (basis, unknown_year):
        check_shapes(Visit(reply_due_basis=value, record_due_basis=value, feedback_due_basis=value), Visit.json_shapes)
        check_shapes(CrossObservation(report_due_basis=value), CrossObservation.json_shapes)
    _refused(Visit(reply_due_basis={**basis, "unit": "fortnights"}), Visit.json_shapes, "reply_due_basis")
    _refused(CrossObservation(report_due_basis={"due": basis["due"]}), CrossObservation.json_shapes, "report_due_basis")


def test_it_keeps_the_study_session_due_basis_in_shape():
    before = rules.due_date(dt.date(2026, 9, 28), rules.DayRule(2, DayUnit.WORKING, before=True))[1]
    after = rules.due_date(dt.date(2026, 9, 28), rules.DayRule(2, DayUnit.WORKING, before=False))[1]
    check_shapes(StudySession(arrangement_due_basis=before, report_due_basis=after), StudySession.json_shapes)
    check_shapes(StudySession(arrangement_due_basis={}, report_due_basis={}), StudySession.json_shapes)
    _refused(
        StudySession(arrangement_due_basis={**before, "direction": "sideways"}, report_due_basis=after),
        StudySession.json_shapes,
        "arrangement_due_basis",
    )
    # The study basis counts from the session day ("from"), the deadline basis from a start day.
    assert shape_errors(before, DEADLINE_BASIS)


def test_it_keeps_the_feedback_checklist_in_shape():
    checklist = {key: {"problem": False, "evidence": ""} for key, _label in CHECKLIST_POINTS}
    check_shapes(Feedback(checklist=checklist), Feedback.json_shapes)
    first = CHECKLIST_POINTS[0][0]
    _refused(Feedback(checklist={**checklist, first: {"problem": "yes"}}), Feedback.json_shapes, "checklist")


def test_it_saves_a_real_draw_and_refuses_picks_or_candidates_out_of_shape(world):
    draw = make_draw(world, drawn=True)  # saved through the shape check, committed and drawn
    draw.refresh_from_db()
    assert draw.picks and all(isinstance(pick, str) for pick in draw.picks)
    check_shapes(draw, Draw.json_shapes)
    _refused(Draw(candidates=draw.candidates, exclusions=[], picks=[int(draw.picks[0])]), Draw.json_shapes, "picks")
    _refused(Draw(candidates=[{"id": "1"}], exclusions=[], picks=[]), Draw.json_shapes, "candidates")
    _refused(Draw(candidates=[], exclusions=[{"id": "1", "name": "x"}], picks=[]), Draw.json_shapes, "exclusions")


def test_it_keeps_plan_run_parameters_and_notes_in_shape():
    # The real producers (create_run, resolve_run with pins) save through the check in planning's tests.
    parameters = {"time_limit": 10, "lanzhou_rule": False, "cross_observation": True, "seed": 0, "workers": 2}
    pins = [{"unit_id": "3", "team_id": "7", "semester": 2, "month": 10}]
    for value in (parameters, {**parameters, "pins": pins, "resolved_from": 4}):
        check_shapes(PlanRun(parameters=value, notes=["固定安排“甲学院”已取消，未保留。"]), PlanRun.json_shapes)
    _refused(PlanRun(parameters={**parameters, "time_limit": "10"}, notes=[]), PlanRun.json_shapes, "parameters")
    _refused(PlanRun(parameters={**parameters, "pins": [{"unit_id": 3}]}, notes=[]), PlanRun.json_shapes, "parameters")
    _refused(PlanRun(parameters=parameters, notes=[{"text": "x"}]), PlanRun.json_shapes, "notes")


def test_it_saves_a_real_compliance_run_and_refuses_counts_of_another_shape(world):
    from pangting.compliance.services import run_checks

    run_checks(2026, rules=["R-S1"], actor=system_actor())
    run = ComplianceRun.objects.get()
    assert run.rules == ["R-S1"]
    assert {"new", "still", "resolved"} <= set(run.counts)
    with pytest.raises(ValidationError):
        ComplianceRun.objects.create(year=2026, counts={"new": "3"})
    with pytest.raises(ValidationError):
        ComplianceRun.objects.create(year=2026, rules=[1])
    assert ComplianceRun.objects.count() == 1


def test_it_saves_real_report_sections_and_refuses_sections_out_of_shape(world):
    from pangting.reports.services import create_document

    with time_machine.travel(dt.datetime(2026, 12, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        document = create_document(
            actor=world.supervisor, organization=world.root, kind=DocumentKind.SUMMARY, year=2026
        )  # saved through the shape check
    sections = document.versions.get().sections
    assert sections and all(isinstance(text, str) for text in sections.values())
    check_shapes(ReportVersion(sections=sections), ReportVersion.json_shapes)
    key = next(iter(sections))
    _refused(ReportVersion(sections={**sections, key: ["a", "list"]}), ReportVersion.json_shapes, "sections")


# JSON columns left free on purpose, each with the reason; every other one must declare a shape.
FREE_JSON_COLUMNS = {
    ("core.Job", "params"): "the keyword arguments of the job's function, one set per registered kind",
    ("observation.Rubric", "items"): "admin-edited; checked by services.validate_rubric_items (R-O18)",
    ("observation.ObservationRecord", "facts"): "a snapshot of the session's facts, whose keys grow with them",
    ("observation.ObservationRecord", "scores"): "form values by rubric key, checked by composite_score",
    ("observation.ReminderLog", "recipients"): "the reminder log is being replaced by the outbox",
    ("observation.ReminderLog", "channels"): "the reminder log is being replaced by the outbox",
    ("planning.PlanRun", "result"): "solver statistics, or the traceback of a failed run",
    ("planning.PlanRun", "draft"): "the solver's draft; older drafts use other keys (pinned/existing)",
    ("core.RuleParameter", "value"): "typed per parameter by the rule-parameter registry (core.parameters)",
    ("compliance.Finding", "evidence"): "differs by rule",
    ("compliance.Finding", "measured"): "differs by rule",
    ("compliance.Finding", "message_params"): "the message's parameters, differing by message (compliance.messages)",
    ("planning.PlanRun", "note_messages"): "each note's msgid and parameters, differing by note",
    ("reports.ReportVersion", "figures"): "computed figures, differing by document kind",
    ("core.AuditEvent", "detail"): "free detail of an audit event",
    (
        "core.Delivery",
        "due_basis",
    ): "the deadline basis of the sending app's record (study: SESSION_DUE_BASIS)",
}


def test_it_declares_a_shape_or_a_reason_for_every_json_column():
    from django.apps import apps
    from django.db import models

    undeclared, stale = [], set(FREE_JSON_COLUMNS)
    for model in apps.get_models():
        if not model.__module__.startswith("pangting.") or model.__name__.startswith("Historical"):
            continue
        shapes = getattr(model, "json_shapes", {})
        for field in model._meta.get_fields():
            if not isinstance(field, models.JSONField):
                continue
            key = (model._meta.label, field.name)
            stale.discard(key)
            if field.name not in shapes and key not in FREE_JSON_COLUMNS:
                undeclared.append(key)
    assert undeclared == [], "declare json_shapes (core.jsonshape) or list the column as free, with the reason"
    assert stale == set(), "a column listed as free no longer exists"
