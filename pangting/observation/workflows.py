"""The observation workflows as data: visit, rectification item, cross-observation, invitation.

Each is a `pangting.core.transitions.Workflow`, registered in `ObservationConfig.ready`.
Read the edge tables to know who does what, from which state, under which condition; the
services in `services/` are the only callers of `run_step` and add each step's effect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.transitions import Edge, Workflow

from .models import (
    CrossObservation,
    Feedback,
    InvitationRequest,
    Mode,
    ObservationPlan,
    ObservationRecord,
    Rectification,
    State,
    TeamMember,
    Visit,
    VisitTransition,
)

A = policy.Action


def at(org_path: str, *actions: A) -> Callable[[Any, Any], bool]:
    """Allowed if the user holds one of `actions` at the organization `org_path` leads to (e.g. "unit")."""

    def allowed(user: Any, record: Any) -> bool:
        org = record
        for name in org_path.split("."):
            org = getattr(org, name)
        return any(policy.can(user, action, org) for action in actions)

    return allowed


# --- the visit (R-O1 … R-O10) ----------------------------------------------------------------
# The preconditions read what a list loaded with its visits when it did (the API list joins the
# record and feedback and prefetches team and items: issue 15, a fixed number of queries per
# page); a visit read alone still asks the database.

_MISSING = object()


def _joined(visit: Visit, name: str) -> Any:
    """The living record joined as `name` (None if there is none), or `_MISSING` if not joined."""
    if name not in visit._state.fields_cache:
        return _MISSING
    related = visit._state.fields_cache[name]
    return related if related is not None and related.deleted_at is None else None


def _living_items(visit: Visit) -> list[Rectification] | None:
    """The visit's living rectification items if the list prefetched them, else None."""
    prefetched = getattr(visit, "_prefetched_objects_cache", {}).get("rectifications")
    return None if prefetched is None else [item for item in prefetched if item.deleted_at is None]


def _letter_prerequisites(visit: Visit) -> str | None:
    if visit.mode == Mode.INVITED:
        return _("应邀式巡听旁听无需发函，由单位确定学习会（R-O2）。")
    if not any(member.role == TeamMember.Role.LEADER for member in visit.team()):
        return _("请先确定旁听组组长。")
    return None


def _letter_issued(visit: Visit) -> str | None:
    """R-O4: a visit is 已函告 only with a numbered letter."""
    if not (visit.letter_number and visit.letter_seq and visit.letter_issued_at):
        return _("函件尚未编号印发，不能变为“已函告”（R-O4）。")
    return None


def _invited_only(visit: Visit) -> str | None:
    if visit.mode != Mode.INVITED:
        return _("固定式、随机式巡听旁听须先发函告知（R-O4）。")
    return None


def _invited_with_session(visit: Visit) -> str | None:
    if visit.mode != Mode.INVITED:
        return _("固定式、随机式巡听旁听须先发函告知（R-O4）。")
    if visit.session_id is None:
        return _("尚未关联学习会，请先由单位回复并确定学习会。")
    return None


def _has_session(visit: Visit) -> str | None:
    if visit.session_id is None:
        return _("尚未关联学习会，请先由单位回复并确定学习会。")
    return None


def _session_started(visit: Visit) -> str | None:
    if visit.session is None or visit.session.starts_at > clock.now():
        return _("学习会尚未开始，不能标记为已旁听。")
    return None


def _record_filed(visit: Visit) -> str | None:
    record = _joined(visit, "record")
    if record is _MISSING:
        filed = ObservationRecord.objects.filter(visit=visit, filed_at__isnull=False).exists()
    else:
        filed = record is not None and record.filed_at is not None
    if not filed:
        return _("请先填报列席旁听记录。")
    return None


def _feedback_of(visit: Visit) -> Feedback | None:
    feedback = _joined(visit, "feedback")
    return Feedback.objects.filter(visit=visit).first() if feedback is _MISSING else feedback


def _feedback_ready(visit: Visit) -> str | None:
    feedback = _feedback_of(visit)
    if feedback is None:
        return _("请先起草反馈意见。")
    if feedback.issued_at:
        return _("反馈意见已印发。")
    return None


def _feedback_issued(visit: Visit) -> str | None:
    feedback = _feedback_of(visit)
    if feedback is None or feedback.issued_at is None:
        return _("请先印发反馈意见。")
    return None


def _open_items(visit: Visit) -> Any:
    return visit.rectifications.filter(deleted_at__isnull=True)


def _has_items(visit: Visit) -> bool:
    items = _living_items(visit)
    return _open_items(visit).exists() if items is None else bool(items)


def _to_rectify(visit: Visit) -> str | None:
    if not _has_items(visit):
        return _("反馈意见中没有需要整改的问题。")
    return None


def _nothing_to_rectify(visit: Visit) -> str | None:
    if _has_items(visit):
        return _("反馈意见中有问题需要整改，请进入整改。")
    return None


def _acknowledged(visit: Visit) -> str | None:
    """The unit's acknowledgement of the feedback cannot be skipped."""
    feedback = _feedback_of(visit)
    if feedback is None or feedback.acknowledged_at is None:
        return _("单位尚未签收反馈意见。")
    return None


def _all_verified(visit: Visit) -> str | None:
    items = _living_items(visit)
    if items is None:
        unverified = _open_items(visit).exclude(status=Rectification.Status.ACCEPTED).exists()
    else:
        unverified = any(item.status != Rectification.Status.ACCEPTED for item in items)
    if unverified:
        return _("还有整改事项未验收，不能办结。")
    return None


CANCEL_VISIT_REASON = gettext_lazy("取消巡听旁听须说明原因。")
# What each irreversible step does, asked before it is taken (the shared confirmation dialog).
ISSUE_LETTER_CONFIRM = gettext_lazy("印发后函告将送达被旁听单位，不能撤回。确定印发？")
ISSUE_FEEDBACK_CONFIRM = gettext_lazy("印发后反馈意见将送达被旁听单位，问题转入整改，不能撤回。确定印发？")
CANCEL_VISIT_CONFIRM = gettext_lazy("取消后此次巡听旁听不能恢复，已印发的函告随之作废。确定取消？")
MANAGE = at("unit", A.OBSERVATION_MANAGE)
REPLY = at("unit", A.OBSERVATION_REPLY)
# R-O4: the reply is a delivery the unit's liaison or its study secretary sends (services/reply.py).
SEND_REPLY = at("unit", A.OBSERVATION_DELIVER)
RECORD = at("unit", A.OBSERVATION_RECORD)
S = State

VISIT_EDGES = [
    Edge("issue_letter", S.PLANNED, S.NOTIFIED, MANAGE, gettext_lazy("印发函告"), _letter_prerequisites,
         postcondition=_letter_issued, confirm=ISSUE_LETTER_CONFIRM),  # R-O4
    Edge("reply", S.NOTIFIED, S.SCHEDULED, SEND_REPLY, gettext_lazy("回复并确定学习会"), postcondition=_has_session),
    # R-O2: an invited visit has no letter; the unit names its session, or the supervisor accepting its invitation does.
    Edge("reply", S.PLANNED, S.SCHEDULED, SEND_REPLY, gettext_lazy("回复并确定学习会"), _invited_only,
         postcondition=_has_session),
    Edge("schedule", S.PLANNED, S.SCHEDULED, MANAGE, gettext_lazy("确定学习会"), _invited_with_session),
    Edge("mark_observed", S.SCHEDULED, S.OBSERVED, RECORD, gettext_lazy("旁听组已全程参加"), _session_started),  # R-O5
    Edge("file_record", S.OBSERVED, S.RECORDED, RECORD, gettext_lazy("填报列席旁听记录"), _record_filed),  # R-O8
    Edge("issue_feedback", S.RECORDED, S.FEEDBACK_ISSUED, MANAGE, gettext_lazy("印发反馈意见"), _feedback_ready,
         postcondition=_feedback_issued, confirm=ISSUE_FEEDBACK_CONFIRM),  # R-O9
    Edge("acknowledge", S.FEEDBACK_ISSUED, S.RECTIFYING, REPLY, gettext_lazy("签收反馈意见"), _to_rectify,
         postcondition=_acknowledged),  # R-O10
    Edge("acknowledge", S.FEEDBACK_ISSUED, S.CLOSED, REPLY, gettext_lazy("签收反馈意见"), _nothing_to_rectify,
         postcondition=_acknowledged),
    Edge("close", S.RECTIFYING, S.CLOSED, MANAGE, gettext_lazy("办结"), _all_verified),  # R-O10
    *[
        Edge("cancel", state, S.CANCELLED, MANAGE, gettext_lazy("取消"), needs_reason=CANCEL_VISIT_REASON,
             confirm=CANCEL_VISIT_CONFIRM)
        for state in S
        if state not in (S.CLOSED, S.CANCELLED)
    ],
]  # fmt: skip


def _log_visit(visit: Visit, edge: Edge, actor: Any, reason: str) -> None:
    VisitTransition.objects.create(
        visit=visit, from_state=edge.source, to_state=edge.target, step=edge.step,
        actor=actor if getattr(actor, "is_authenticated", False) else None, reason=reason[:300],
    )  # fmt: skip


VISIT = Workflow(
    model=Visit,
    initial=S.PLANNED,
    states=list(S),
    edges=VISIT_EDGES,
    terminal=frozenset({S.CLOSED, S.CANCELLED}),
    # The visit keeps its own log: pages, API, year file and reminders read `visit.transitions`.
    log=_log_visit,
)


# --- rectification items (R-O10) -------------------------------------------------------------

R = Rectification.Status
ITEM_REPLY = at("unit", A.OBSERVATION_REPLY)  # the item's unit: a problem-list item has no visit (R-O25)
ITEM_MANAGE = at("unit", A.OBSERVATION_MANAGE)


def _has_measure(item: Rectification) -> str | None:
    return None if item.measure else _("请先填写整改措施。")


RECTIFICATION = Workflow(
    model=Rectification,
    initial=R.OPEN,
    states=list(R),
    edges=[
        Edge("report", R.OPEN, R.REPORTED, ITEM_REPLY, gettext_lazy("报送整改情况"), _has_measure),
        Edge("report", R.SENT_BACK, R.REPORTED, ITEM_REPLY, gettext_lazy("报送整改情况"), _has_measure),
        Edge("accept", R.REPORTED, R.ACCEPTED, ITEM_MANAGE, gettext_lazy("验收")),
        Edge(
            "send_back",
            R.REPORTED,
            R.SENT_BACK,
            ITEM_MANAGE,
            gettext_lazy("退回"),
            needs_reason=gettext_lazy("退回须说明理由。"),
        ),
    ],
    terminal=frozenset({R.ACCEPTED}),
)


# --- the year's observation plan (R-O1, R-O20) -----------------------------------------------

P = ObservationPlan.Status


def PLAN_MANAGE(user: Any, plan: ObservationPlan) -> bool:
    """The plan is its supervising organization's own record: asked by its seat (R-O23), since with
    a level above, that organization is the level above's unit and not in its own managed part."""
    return policy.can_supervise(user, A.OBSERVATION_MANAGE, plan.organization)


def _plan_ready(plan: ObservationPlan) -> str | None:
    """R-O20: the plan has visits, and the party committee's decision is recorded first."""
    if not plan.visits.filter(deleted_at__isnull=True).exists():
        return _("计划中还没有巡听旁听安排，不能审定。")
    if not plan.committee_decided:
        return _("请先登记党委会议审定情况（会议、日期和会议决定文件），再审定计划（R-O20）。")
    return None


PLAN = Workflow(
    model=ObservationPlan,
    initial=P.DRAFT,
    states=list(P),
    edges=[Edge("approve", P.DRAFT, P.APPROVED, PLAN_MANAGE, gettext_lazy("审定计划"), _plan_ready)],
    terminal=frozenset({P.APPROVED}),
)


# --- cross-observation (R-O13) ---------------------------------------------------------------

C = CrossObservation.Status
HOST = at("host", A.OBSERVATION_REPLY, A.OBSERVATION_MANAGE)
VISITOR = at("visitor", A.OBSERVATION_REPLY)


def _cross_session_held(cross: CrossObservation) -> str | None:
    if cross.session is not None and cross.session.starts_at > clock.now():
        return _("学习会尚未召开。")
    return None


CROSS = Workflow(
    model=CrossObservation,
    initial=C.INVITED,
    states=list(C),
    edges=[
        Edge("attend", C.INVITED, C.ATTENDED, HOST, gettext_lazy("确认已列席"), _cross_session_held),
        Edge("report", C.INVITED, C.REPORTED, VISITOR, gettext_lazy("报送列席情况"), _cross_session_held),
        Edge("report", C.ATTENDED, C.REPORTED, VISITOR, gettext_lazy("报送列席情况"), _cross_session_held),
        Edge(
            "cancel",
            C.INVITED,
            C.CANCELLED,
            HOST,
            gettext_lazy("取消交叉旁听"),
            needs_reason=gettext_lazy("取消交叉旁听须说明原因。"),
            confirm=gettext_lazy("取消后此次交叉旁听不能恢复。确定取消？"),
        ),
    ],
    terminal=frozenset({C.REPORTED, C.CANCELLED}),
)


# --- invitations (R-O2) ----------------------------------------------------------------------

INV = InvitationRequest.Status
SUPERVISOR = at("unit", A.OBSERVATION_MANAGE)
INVITATION = Workflow(
    model=InvitationRequest,
    initial=INV.PENDING,
    states=list(INV),
    edges=[
        Edge("accept", INV.PENDING, INV.ACCEPTED, SUPERVISOR, gettext_lazy("接受邀请")),
        Edge(
            "decline",
            INV.PENDING,
            INV.DECLINED,
            SUPERVISOR,
            gettext_lazy("婉拒"),
            needs_reason=gettext_lazy("婉拒邀请须说明理由。"),
        ),
    ],
    terminal=frozenset({INV.ACCEPTED, INV.DECLINED}),
)

WORKFLOWS = [VISIT, RECTIFICATION, CROSS, INVITATION, PLAN]
