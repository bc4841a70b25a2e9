"""Study pages for the secretary, the member and the supervisor.

Views parse, check access through the policy (forbidden answers 404), call one service and
render. Rule IDs mark the pages where a rule becomes visible.

The views live in modules by page group and are all importable from here (`urls.py` uses
`views.<name>`):

- `sessions`: the session list and calendar, one session, its form, reschedule, cancel, vetting,
  submissions.
- `attendance`: the attendance sheet, make-up study, the QR code and check-in (R-S3).
- `attachments`: attachments, speech files, generated documents, the member's calendar feed.
- `personal`: the member's page: self-study plan and records, reflections (R-S6, R-S7, R-S13).
- `plans`: annual plans (R-S1, R-B5).
- `branches`: branches' 三会一课 overview and secretary training (R-B1 … R-B6).
- `followup`: research before the session (R-S21), study outcomes and their conversion (R-S19),
  leading cadres' own branches (R-B7).
- `_common`: private helpers the others share.
"""

from ._common import A
from .attachments import (
    DOCX,
    attachment_delete,
    attachment_download,
    attachment_upload,
    my_calendar_ics,
    session_document,
    speech_file,
)
from .attendance import (
    attendance_makeup,
    checkin,
    checkin_confirm,
    session_add_attendee,
    session_attendance,
    session_close_attendance,
    session_display,
    session_display_state,
    session_paper_sheet,
    session_qr,
)
from .branches import branch_overview, training_list
from .feeds import calendar_feed, calendar_feed_issue, calendar_feed_revoke
from .followup import (
    cadre_branch_list,
    outcome_convert,
    outcome_list,
    session_research_add,
    session_research_delete,
)
from .personal import my_study, reflection_add, self_plan_save, self_record_add
from .plans import plan_detail, plan_form, plan_list, plan_transition
from .sessions import (
    LIST_PREFETCH,
    receipt_sign,
    session_calendar,
    session_cancel,
    session_detail,
    session_form,
    session_list,
    session_reschedule,
    session_submit,
    session_vet,
)

__all__ = [
    "DOCX",
    "LIST_PREFETCH",
    "A",
    "attachment_delete",
    "attachment_download",
    "attachment_upload",
    "attendance_makeup",
    "branch_overview",
    "cadre_branch_list",
    "calendar_feed",
    "calendar_feed_issue",
    "calendar_feed_revoke",
    "checkin",
    "checkin_confirm",
    "my_calendar_ics",
    "my_study",
    "outcome_convert",
    "outcome_list",
    "plan_detail",
    "plan_form",
    "plan_list",
    "plan_transition",
    "receipt_sign",
    "reflection_add",
    "self_plan_save",
    "self_record_add",
    "session_add_attendee",
    "session_attendance",
    "session_calendar",
    "session_cancel",
    "session_close_attendance",
    "session_detail",
    "session_display",
    "session_display_state",
    "session_document",
    "session_form",
    "session_list",
    "session_paper_sheet",
    "session_qr",
    "session_reschedule",
    "session_research_add",
    "session_research_delete",
    "session_submit",
    "session_vet",
    "speech_file",
    "training_list",
]
