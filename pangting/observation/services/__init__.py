"""The observation workflow: every write goes through one of these functions.

The states of a visit, a rectification item, a cross-observation and an invitation, and who
may move them, are data (`pangting.observation.workflows`); every change of state is one
named step run by `pangting.core.transitions.run_step`, which checks the policy, the version
the user saw and the precondition, claims the row atomically and writes the log row.
Deadlines are computed by the calendar service and stored with their basis; a deadline
that falls into a year the calendar does not know is not guessed: the visit carries a
visible warning until an administrator enters that year.

The functions live in modules by step of the work and are all importable from here, as they
were when this was one module (`ObservationConfig.ready` registers
`pangting.observation.services.team_reach_paths` as a reach extension):

- `deadlines`: the deadline parameters (`reply_rule` …), `semester_of`, computing a deadline.
- `workflow`: the steps a user may take on a visit now (`visit_steps`).
- `visits`: plans, visits and teams, letters, invited visits, deadlines, cancelling.
- `reply`: the unit's reply to a letter with its session plan, as a delivery (R-O4).
- `records`: the rubric, the observation record, talks and document reviews.
- `feedback`: feedback (R-O9) and rectification (R-O10).
- `cross`: cross-observation between units (R-O13).
- `practices`: typical practices and their replication (R-O16).
- `reach`: the policy extension for team members (`team_reach_paths`).
- `_common`: private helpers the others share.
"""

from ..models import CHECKLIST_POINTS
from ._common import A
from .cosign import (
    add_cosignatures,
    can_cosign,
    cosign_letter,
    letter_issuers,
    partner_issuer,
    partner_seats_at,
    supervisor_issuer,
)
from .cross import (
    attend_cross_observation,
    cancel_cross_observation,
    cross_counts,
    invite_cross_observation,
    report_cross_observation,
)
from .deadlines import DeadlineRule, cross_report_rule, feedback_rule, record_rule, reply_rule, semester_of
from .feedback import (
    ALLOWED_EVIDENCE,
    acknowledge_feedback,
    add_evidence,
    draft_feedback,
    issue_feedback,
    open_problem_item,
    plan_rectification,
    report_rectification,
    save_feedback,
    verify_rectification,
)
from .practices import collect_practice, promote_practice, record_replication
from .reach import team_reach_paths
from .records import (
    RECORD_FIELDS,
    active_rubric,
    add_document_review,
    add_forum,
    add_on_site_comment,
    add_spot_question,
    add_talk,
    composite_score,
    mark_observed,
    save_record,
    session_facts_dict,
    sign_off_record,
    submit_record_once,
    validate_rubric_items,
)
from .reply import (
    REPLY,
    may_send_reply,
    pending_reply_receipts,
    preload_replies,
    record_reply,
    reply_delivery,
    reply_rows,
    send_reply,
    sign_reply_receipt,
)
from .visits import (
    approve_plan,
    cancel_visit,
    create_visit,
    decide_invitation,
    ensure_plan,
    format_number,
    issue_letter,
    next_number,
    propose_team,
    recompute_deadlines,
    record_committee_decision,
    record_delivery,
    request_invitation,
    schedule_invited_visit,
    set_team,
    supervisor_org_for,
    team_problems,
)
from .workflow import STATE_ORDER, visit_steps

__all__ = [
    "ALLOWED_EVIDENCE",
    "CHECKLIST_POINTS",
    "RECORD_FIELDS",
    "REPLY",
    "STATE_ORDER",
    "A",
    "DeadlineRule",
    "acknowledge_feedback",
    "active_rubric",
    "add_cosignatures",
    "add_document_review",
    "add_evidence",
    "add_forum",
    "add_on_site_comment",
    "add_spot_question",
    "add_talk",
    "approve_plan",
    "attend_cross_observation",
    "can_cosign",
    "cancel_cross_observation",
    "cancel_visit",
    "collect_practice",
    "composite_score",
    "cosign_letter",
    "create_visit",
    "cross_counts",
    "cross_report_rule",
    "decide_invitation",
    "draft_feedback",
    "ensure_plan",
    "feedback_rule",
    "format_number",
    "invite_cross_observation",
    "issue_feedback",
    "issue_letter",
    "letter_issuers",
    "mark_observed",
    "may_send_reply",
    "next_number",
    "open_problem_item",
    "partner_issuer",
    "partner_seats_at",
    "pending_reply_receipts",
    "plan_rectification",
    "preload_replies",
    "promote_practice",
    "propose_team",
    "recompute_deadlines",
    "record_committee_decision",
    "record_delivery",
    "record_replication",
    "record_reply",
    "record_rule",
    "reply_delivery",
    "reply_rows",
    "reply_rule",
    "report_cross_observation",
    "report_rectification",
    "request_invitation",
    "save_feedback",
    "save_record",
    "schedule_invited_visit",
    "semester_of",
    "send_reply",
    "session_facts_dict",
    "set_team",
    "sign_off_record",
    "sign_reply_receipt",
    "submit_record_once",
    "supervisor_issuer",
    "supervisor_org_for",
    "team_problems",
    "team_reach_paths",
    "validate_rubric_items",
    "verify_rectification",
    "visit_steps",
]
