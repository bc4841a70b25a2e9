"""The study app's rows of the permission matrix (collected by pangting/tests/test_permission_matrix.py).

Who reaches what for the study actions (policy GRANTS applied to the personas' world):

=========== ============== ============ ================= ===============
persona     study.view     study.change study.participate study.supervise
=========== ============== ============ ================= ===============
supervisor  root, A, A1, B —            —                 all
leader      A, A1 (linked) —            —                 —
liaison     A, A1          — (deliver)  —                 —
secretary_a A, A1          A, A1        A, A1             —
secretary_b B              B            B                 —
member      A (own)        —            A (own)           —
viewer      root, A, A1, B —            —                 —
=========== ============== ============ ================= ===============

Objects are created inside each request's rolled-back savepoint, one per side of the fence.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from pangting.core.system import system_actor
from pangting.tests.matrix import API, EVERYONE, POST_REDIRECT, Case, on_both_sides, reaching

ALL = frozenset({"root", "A", "A1", "B"})
STUDY_VIEW = {
    "supervisor": ALL, "leader": frozenset({"A", "A1"}), "liaison": frozenset({"A", "A1"}),
    "secretary_a": frozenset({"A", "A1"}), "secretary_b": frozenset({"B"}), "member": frozenset({"A"}), "viewer": ALL,
}  # fmt: skip
STUDY_CHANGE = {"secretary_a": frozenset({"A", "A1"}), "secretary_b": frozenset({"B"})}
PARTICIPATE = {**STUDY_CHANGE, "member": frozenset({"A"})}
# R-S10: the secretary sends, and the unit's liaison (study.deliver) passes the form on and sends the copy.
SENDERS = {**STUDY_CHANGE, "liaison": frozenset({"A", "A1"})}
SUPERVISE = {"supervisor": ALL}
# Self-study records: the owner, whoever manages or supervises the unit, and report readers.
SELF_STUDY = {"member": frozenset({"A"}), **STUDY_CHANGE, "supervisor": ALL, "viewer": ALL}

STUDY_VIEWERS = frozenset(STUDY_VIEW)
CHANGERS = frozenset(STUDY_CHANGE)
PARTICIPANTS = frozenset(PARTICIPATE)


def _unit(w: Any, side: str) -> Any:
    return {"A": w.unit_a, "B": w.unit_b}[side]


def _session(w: Any, side: str) -> Any:
    from pangting.study.tests.builders import at, make_session

    pdf = SimpleUploadedFile("发言.pdf", b"%PDF-1.4 matrix")
    who = {"A": w.member_person, "B": w.member_b_person}[side]
    return make_session(
        _unit(w, side),
        starts_at=at(2030, 6, 5),
        speakers=[{"person": who, "outline": "提纲", "file": pdf}],
    )


def session_pk(w: Any, side: str) -> dict[str, Any]:
    return {"pk": _session(w, side).pk}


def attendance_pk(w: Any, side: str) -> dict[str, Any]:
    return {"pk": _session(w, side).attendances.first().pk}


def speech_pk(w: Any, side: str) -> dict[str, Any]:
    return {"pk": _session(w, side).speeches.first().pk}


def attachment_pk(w: Any, side: str) -> dict[str, Any]:
    from pangting.study import services

    upload = SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 matrix")
    return {"pk": services.add_attachment(_session(w, side), upload, actor=system_actor(), kind="minutes").pk}


def receipt_pk(w: Any, side: str) -> dict[str, Any]:
    """The liaison's copy of the side's arrangement form (R-S10): only unit A's liaison has an account."""
    from pangting.study import services

    delivery = services.send_arrangement(_session(w, side), actor=system_actor())
    return {"pk": delivery.receipts.get().pk}


# A receipt is signed by its addressee only: the liaison of unit A (unit B's liaison has no account).
SIGNERS = {"liaison": frozenset({"A"})}


def checkin_kwargs(w: Any, side: str) -> dict[str, Any]:
    from pangting.study import services

    session = _session(w, side)
    return {"pk": session.pk, "token": services.checkin_token(session)}


def plan_pk(w: Any, side: str) -> dict[str, Any]:
    from pangting.study import services

    plan = services.create_plan(
        _unit(w, side), actor=system_actor(), year=2030, themes=[{"period_kind": "month", "period": 1, "theme": "专题"}]
    )
    services.approve(plan, actor=system_actor())  # R-S15: ready to be submitted
    return {"pk": plan.pk}


def _paper(record: Any) -> dict[str, Any]:
    """R-S15: `record` approved on paper, with its scan."""
    from pangting.core import clock
    from pangting.study import services

    scan = SimpleUploadedFile("审定件.pdf", b"%PDF-1.4 matrix")
    services.record_paper_approval(record, actor=system_actor(), approved_on=clock.today(), scan=scan)
    return {"pk": record.pk}


def plan_scan_pk(w: Any, side: str) -> dict[str, Any]:
    from pangting.study import services

    plan = services.create_plan(_unit(w, side), actor=system_actor(), year=2030)
    return _paper(plan)


def session_scan_pk(w: Any, side: str) -> dict[str, Any]:
    from pangting.study.tests.builders import at, make_session

    return _paper(make_session(_unit(w, side), starts_at=at(2030, 6, 5), approved=False))


def self_plan_pk(w: Any, side: str) -> dict[str, Any]:
    from pangting.study import services

    who = {"A": w.member_person, "B": w.member_b_person}[side]
    return {"pk": services.save_self_study_plan(who, actor=system_actor(), year=2030, goals="研读原著").pk}


def self_record_pk(w: Any, side: str) -> dict[str, Any]:
    import datetime as dt

    from pangting.study import services

    who = {"A": w.member_person, "B": w.member_b_person}[side]
    return {
        "pk": services.add_self_study_record(
            who, actor=system_actor(), studied_on=dt.date(2026, 1, 5), material="原著"
        ).pk
    }


def reflection_pk(w: Any, side: str) -> dict[str, Any]:
    from pangting.study import services

    who = {"A": w.member_person, "B": w.member_b_person}[side]
    return {"pk": services.add_reflection(who, actor=system_actor(), title="体会", text="正文").pk}


def training_pk(w: Any, side: str) -> dict[str, Any]:
    import datetime as dt

    from pangting.study import services

    return {
        "pk": services.record_training(
            _unit(w, side), actor=system_actor(), held_on=dt.date(2026, 4, 1), title="培训"
        ).pk
    }


def research_kwargs(w: Any, side: str) -> dict[str, Any]:
    from pangting.study import services

    session = _session(w, side)
    item = services.add_research(session, actor=system_actor(), researcher_name="调研人", topic="调研题目")
    return {"pk": session.pk, "item": item.pk}


def outcome_pk(w: Any, side: str) -> dict[str, Any]:
    from pangting.study import services

    return {"pk": services.record_outcome(_unit(w, side), actor=system_actor(), title="成果").pk}


def rule_pk(w: Any) -> dict[str, Any]:
    from pangting.study.models import MeetingFrequencyRule

    return {"pk": MeetingFrequencyRule.objects.first().pk}


def both(name: str, table: dict[str, frozenset[str]], kwargs: Any, **options: Any) -> list[Case]:
    return on_both_sides(name, table, kwargs, **options)


WEB = [
    *[
        Case(f"study:{n}", STUDY_VIEWERS)
        for n in (
            "session_list",
            "session_calendar",
            "plan_list",
            "branch_overview",
            "training_list",
            "outcome_list",
            "cadre_branch_list",
        )
    ],
    Case("study:my_calendar_ics", EVERYONE),
    # The feed needs no login: its secret key is the credential; an unknown key is 404 for anyone.
    Case("study:calendar_feed", frozenset(), kwargs=lambda w: {"key": "not-a-key"}, anonymous=404),
    *[Case(f"study:{n}", EVERYONE, **POST_REDIRECT) for n in ("calendar_feed_issue", "calendar_feed_revoke")],
    Case("study:session_create", CHANGERS),
    Case("study:plan_create", CHANGERS),
    Case("study:my_study", PARTICIPANTS),
    *[
        Case(f"study:{n}", PARTICIPANTS, **POST_REDIRECT)
        for n in ("self_plan_save", "self_record_add", "reflection_add")
    ],
    *both("study:session_detail", STUDY_VIEW, session_pk),
    *both("study:session_edit", STUDY_CHANGE, session_pk),
    *both("study:session_reschedule", STUDY_CHANGE, session_pk),
    *both("study:session_attendance", STUDY_CHANGE, session_pk),
    *both("study:session_qr", STUDY_CHANGE, session_pk),
    *both("study:session_cancel", STUDY_CHANGE, session_pk, **POST_REDIRECT),
    # R-S9: vetting is for someone outside the unit; whoever sees the session reaches the page,
    # and the service refuses (with a message) anyone who is not an approver.
    *both("study:session_vet", STUDY_VIEW, session_pk, **POST_REDIRECT),
    *both("study:session_add_attendee", STUDY_CHANGE, session_pk, **POST_REDIRECT),
    *both("study:session_close_attendance", STUDY_CHANGE, session_pk, **POST_REDIRECT),
    *both("study:session_research_add", STUDY_CHANGE, session_pk, **POST_REDIRECT),
    *both("study:research_delete", STUDY_CHANGE, research_kwargs, **POST_REDIRECT),
    *both("study:outcome_convert", STUDY_CHANGE, outcome_pk, **POST_REDIRECT),
    *both("study:attachment_upload", STUDY_CHANGE, session_pk, **POST_REDIRECT),
    *both(
        "study:session_submit",
        STUDY_CHANGE,
        lambda w, s: {**session_pk(w, s), "what": "arrangement"},
        **POST_REDIRECT,
    ),
    *both("study:session_submit", SENDERS, lambda w, s: {**session_pk(w, s), "what": "report"}, **POST_REDIRECT),
    *both("study:receipt_sign", SIGNERS, receipt_pk, **POST_REDIRECT),
    *both("study:session_document", STUDY_VIEW, lambda w, s: {**session_pk(w, s), "kind": "plan"}),
    # A visitor's scan is vouched for by the code alone; outside the check-in window it is refused (200).
    *both("study:checkin", PARTICIPATE, checkin_kwargs, anonymous=200),
    *both("study:checkin_confirm", PARTICIPATE, session_pk),
    *both("study:session_display", STUDY_CHANGE, session_pk),
    *both("study:session_display_state", STUDY_CHANGE, session_pk),
    *both("study:session_paper_sheet", STUDY_CHANGE, session_pk, **POST_REDIRECT),
    *both("study:attendance_makeup", STUDY_CHANGE, attendance_pk, **POST_REDIRECT),
    *both("study:attachment_download", STUDY_VIEW, attachment_pk),
    *both("study:attachment_delete", STUDY_CHANGE, attachment_pk, **POST_REDIRECT),
    *both("study:speech_file", STUDY_VIEW, speech_pk),
    *both("study:plan_detail", STUDY_VIEW, plan_pk),
    *both("study:plan_edit", STUDY_CHANGE, plan_pk),
    *both("study:plan_transition", STUDY_CHANGE, lambda w, s: {**plan_pk(w, s), "to": "submitted"}, **POST_REDIRECT),
    # R-S15 书记审定: the plan and the session plan come approved; the secretary may withdraw it (the
    # group leader too, and only he approves: no persona leads a group); the paper scan is read by viewers.
    *both(
        "study:plan_approval", STUDY_CHANGE, lambda w, s: {**plan_pk(w, s), "step": "void_approval"}, **POST_REDIRECT
    ),
    *both(
        "study:session_approval",
        STUDY_CHANGE,
        lambda w, s: {**session_pk(w, s), "step": "void_approval"},
        **POST_REDIRECT,
    ),
    *both("study:plan_approval_scan", STUDY_VIEW, plan_scan_pk),
    *both("study:session_approval_scan", STUDY_VIEW, session_scan_pk),
    # Data entry: "all present" in one action, the import of historical sessions (issue 11 item 5).
    *both("study:session_all_present", STUDY_CHANGE, session_pk, **POST_REDIRECT),
    Case("study:session_import", CHANGERS),
    Case("study:session_import_template", CHANGERS),
    # R-S14: the archive page and the one-click export of a unit's year.
    Case("study:archive_overview", STUDY_VIEWERS),
    *both("study:archive_export", STUDY_VIEW, lambda w, s: {"org": _unit(w, s).pk, "year": 2030}),
]

POST_API = {**API, "method": "post"}
API_CASES = [
    *[
        Case(f"{k}-list", EVERYONE, **API)
        for k in (
            "studysession",
            "studyplan",
            "selfstudyplan",
            "selfstudyrecord",
            "reflection",
            "secretarytraining",
            "meetingfrequencyrule",
            "studyreceipt",
        )
    ],
    *both("studyreceipt-sign", SIGNERS, receipt_pk, **POST_API),
    Case("meetingfrequencyrule-detail", STUDY_VIEWERS, kwargs=rule_pk, **API),
    *both("studysession-detail", STUDY_VIEW, session_pk, **API),
    *both("studysession-facts", STUDY_VIEW, session_pk, **API),
    *both("studysession-attendance", STUDY_VIEW, session_pk, **API),
    *both("studysession-send-arrangement", STUDY_CHANGE, session_pk, **POST_API),
    # Nothing sent yet (the liaison) or not the liaison (the secretaries): 400 with the reason.
    *both("studysession-forward-arrangement", SENDERS, session_pk, ok=400, **POST_API),
    # Without a body (or before the session), these answer 400 with a Chinese message to those allowed.
    *both("studysession-reschedule", STUDY_CHANGE, session_pk, ok=400, **POST_API),
    *both("studysession-cancel", STUDY_CHANGE, session_pk, ok=400, **POST_API),
    *both("studysession-vet", STUDY_VIEW, session_pk, ok=400, **POST_API),
    *both("studysession-send-report", SENDERS, session_pk, ok=400, **POST_API),
    *both("studysession-close-attendance", STUDY_CHANGE, session_pk, ok=400, **POST_API),
    *both("studysession-checkin", PARTICIPATE, session_pk, ok=400, **POST_API),
    *both("studyplan-detail", STUDY_VIEW, plan_pk, **API),
    *both("studyplan-submit", STUDY_CHANGE, plan_pk, **POST_API),
    *both("studyplan-acknowledge", SUPERVISE, plan_pk, ok=400, **POST_API),
    *both("studyplan-return-plan", SUPERVISE, plan_pk, ok=400, **POST_API),
    # R-S15: only the group leader approves (no persona leads a group); recording paper on an
    # approved record is refused with a message; withdrawing is the secretary's (or the leader's).
    *both("studyplan-approve", {}, plan_pk, **POST_API),
    *both("studyplan-record-paper-approval", STUDY_CHANGE, plan_pk, ok=400, **POST_API),
    *both("studyplan-void-approval", STUDY_CHANGE, plan_pk, **POST_API),
    *both("studysession-approve", {}, session_pk, **POST_API),
    *both("studysession-record-paper-approval", STUDY_CHANGE, session_pk, ok=400, **POST_API),
    *both("studysession-void-approval", STUDY_CHANGE, session_pk, **POST_API),
    *both("selfstudyplan-detail", SELF_STUDY, self_plan_pk, **API),
    *both("selfstudyrecord-detail", SELF_STUDY, self_record_pk, **API),
    *both("reflection-detail", SELF_STUDY, reflection_pk, **API),
    *both("secretarytraining-detail", STUDY_VIEW, training_pk, **API),
]

CASES = WEB + API_CASES
__all__ = ["CASES", "reaching"]
