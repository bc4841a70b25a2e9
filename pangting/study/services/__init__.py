"""Writes to study records, and the facts later apps read from a session.

Every write is a `verb_noun(..., *, actor)` function that runs in a transaction, validates
everything before saving anything (bad input leaves nothing half-saved), records the actor
in history and raises `ValidationError` with a Chinese message the pages and the API show.
Rule IDs (domain.md) mark where each rule is enforced.

The functions live in modules by subject and are all importable from here, as they were when
this was one module:

- `sessions`: scheduling, changing, rescheduling, cancelling a session; lecturer vetting;
  the due dates of the arrangement form and the report (R-S10).
- `deliveries`: the arrangement form and the report sent and signed for (R-S10).
- `attendance`: attendance, make-up study and the QR check-in (R-S3).
- `uploads`: attachments and the upload checks (R-S14).
- `plans`: annual study plans and their workflow (R-S1, R-B5).
- `approval`: 书记审定 of the annual plan and each session plan (R-S15).
- `personal`: self-study plans and records, reflections, secretary training.
- `facts`: `SessionFacts`, what the data says about a session, read by observation.
- `frequency`: the 三会一课 and center-group frequency report (R-S2, R-B1 … R-B6).
- `_common`: private helpers the others share.
"""

from ._common import A
from .approval import approve, needs_approval, record_paper_approval, void_approval
from .attendance import (
    CHECKIN_SALT,
    TICKET_SALT,
    add_attendee,
    add_observer,
    check_in,
    check_in_with_ticket,
    checkin_code,
    checkin_step,
    checkin_token,
    checkin_window,
    close_attendance,
    code_seconds_left,
    issue_checkin_ticket,
    mark_all_present,
    record_attendance,
    record_attendance_sheet,
    record_makeup,
    record_paper_sheet,
    ticket_session_id,
    verify_checkin,
    verify_ticket,
)
from .deliveries import (
    forward_arrangement,
    send_arrangement,
    send_report,
    sign_receipt,
)
from .facts import SessionFacts, annotate_leaders, session_facts
from .frequency import (
    PeriodResult,
    RuleResult,
    UnitBranchSummary,
    frequency_report,
    unit_branch_summaries,
    unit_branch_summary,
)
from .personal import (
    add_reflection,
    add_research,
    add_self_study_record,
    assign_cadre_branch,
    cadre_branch_on,
    record_conversion,
    record_outcome,
    record_training,
    remove_research,
    save_self_study_plan,
)
from .plans import (
    UpperAdherence,
    adherence_by_plan,
    create_plan,
    plan_due_on,
    transition_plan,
    update_plan,
    upper_adherence,
    upper_plan,
    upper_themes,
)
from .sessions import (
    SESSION_FIELDS,
    cancel_session,
    create_session,
    may_vet,
    reschedule_session,
    update_session,
    vet_lecturer,
)
from .uploads import add_attachment, delete_attachment

__all__ = [
    "CHECKIN_SALT",
    "SESSION_FIELDS",
    "TICKET_SALT",
    "A",
    "PeriodResult",
    "RuleResult",
    "SessionFacts",
    "UnitBranchSummary",
    "UpperAdherence",
    "add_attachment",
    "add_attendee",
    "add_observer",
    "add_reflection",
    "add_research",
    "add_self_study_record",
    "adherence_by_plan",
    "annotate_leaders",
    "approve",
    "assign_cadre_branch",
    "cadre_branch_on",
    "cancel_session",
    "check_in",
    "check_in_with_ticket",
    "checkin_code",
    "checkin_step",
    "checkin_token",
    "checkin_window",
    "close_attendance",
    "code_seconds_left",
    "create_plan",
    "create_session",
    "delete_attachment",
    "forward_arrangement",
    "frequency_report",
    "issue_checkin_ticket",
    "mark_all_present",
    "may_vet",
    "needs_approval",
    "plan_due_on",
    "record_attendance",
    "record_attendance_sheet",
    "record_conversion",
    "record_makeup",
    "record_outcome",
    "record_paper_approval",
    "record_paper_sheet",
    "record_training",
    "remove_research",
    "reschedule_session",
    "save_self_study_plan",
    "send_arrangement",
    "send_report",
    "session_facts",
    "sign_receipt",
    "ticket_session_id",
    "transition_plan",
    "unit_branch_summaries",
    "unit_branch_summary",
    "update_plan",
    "update_session",
    "upper_adherence",
    "upper_plan",
    "upper_themes",
    "verify_checkin",
    "verify_ticket",
    "vet_lecturer",
    "void_approval",
]
