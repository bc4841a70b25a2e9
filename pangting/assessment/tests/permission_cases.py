"""The assessment app's rows of the permission matrix (collected by pangting/tests/test_permission_matrix.py).

The score sheet, its export and the formula belong to the supervising organization:
reports.view (supervisor and leadership viewer) reads the sheet, reports.manage (supervisor)
edits the formula (R-O14). 述学 reports are seen by whoever sees study of the unit
(study.view) and filed by the unit's study secretary (study.change) or the supervisor.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pangting.tests.matrix import API, EVERYONE, POST_REDIRECT, Case, on_both_sides

ALL = frozenset({"root", "A", "A1", "B"})
REPORTS_VIEW = frozenset({"supervisor", "viewer"})
MANAGERS = frozenset({"supervisor"})
STUDY_VIEW = {
    "supervisor": ALL, "leader": frozenset({"A", "A1"}), "liaison": frozenset({"A", "A1"}),
    "secretary_a": frozenset({"A", "A1"}), "secretary_b": frozenset({"B"}), "member": frozenset({"A"}), "viewer": ALL,
}  # fmt: skip
WRITERS = {"supervisor": ALL, "secretary_a": frozenset({"A", "A1"}), "secretary_b": frozenset({"B"})}


def report(w: Any, side: str) -> dict[str, Any]:
    from pangting.assessment.tests.builders import make_report

    return {"pk": make_report(w, side, with_file=True).pk}


def scheme(w: Any) -> dict[str, Any]:
    from pangting.assessment import services

    made = services.save_scheme(organization=w.root, year=2026, formula="60", actor=w.supervisor)
    return {"pk": made.pk}


def new_report(w: Any) -> dict[str, Any]:
    return {
        "organization": str(w.unit_a.pk),
        "person": str(w.member_person.pk),
        "year": "2026",
        "title": "述学报告",
        "delivered_on": dt.date(2026, 6, 1).isoformat(),
        "summary": "个人学习情况。",
    }


def edited(w: Any, side: str) -> dict[str, Any]:
    unit, person = (w.unit_a, w.member_person) if side == "A" else (w.unit_b, w.member_b_person)
    return {**new_report(w), "organization": str(unit.pk), "person": str(person.pk), "title": "修改后的题目"}


CASES: list[Case] = [
    Case("assessment:sheet", REPORTS_VIEW),
    Case("assessment:sheet_export", REPORTS_VIEW),
    Case("assessment:scheme", MANAGERS),
    Case(
        "assessment:scheme",
        MANAGERS,
        data=lambda w: {"year": "2026", "formula": "60 + coalesce(obs_score, 80) / 5", "max_score": "100"},
        **POST_REDIRECT,
    ),
    Case("assessment:report_list", frozenset(STUDY_VIEW)),
    Case("assessment:report_create", frozenset(WRITERS)),
    # Unit A's report: secretary B may open the form but not file for unit A (the form answers again).
    Case(
        "assessment:report_create", frozenset(WRITERS), data=new_report, overrides={"secretary_b": 200}, **POST_REDIRECT
    ),
    *on_both_sides("assessment:report_detail", STUDY_VIEW, report),
    *on_both_sides("assessment:report_file", STUDY_VIEW, report),
    *on_both_sides("assessment:report_edit", WRITERS, report),
    *on_both_sides("assessment:report_edit", WRITERS, report, data=edited, **POST_REDIRECT),
    *on_both_sides("assessment:report_delete", WRITERS, report, **POST_REDIRECT),
    # R-O22 民主评议: whoever sees the unit's study may rate (the page answers with a message).
    *on_both_sides(
        "assessment:report_rate", STUDY_VIEW, report, data=lambda w, side: {"rating": "good"}, **POST_REDIRECT
    ),
    # The API, read-only: lists answer everyone signed in (content scoped, see test_api.py).
    Case("assessment-scheme-list", EVERYONE, **API),
    Case("assessment-scheme-detail", REPORTS_VIEW, kwargs=scheme, **API),
    Case("assessment-studyreport-list", EVERYONE, **API),
    *on_both_sides("assessment-studyreport-detail", STUDY_VIEW, report, **API),
]
