"""The study workflows as data: a plan (R-S1, R-B5) is drafted, submitted to and acknowledged or
returned by the supervisor; a session is held or cancelled; beside both, the center group's
plan and each session plan pass 书记审定 (R-S15) before the plan is filed or the arrangement
form sent. Registered in `StudyConfig.ready`; run by `pangting.core.transitions`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pangting.accounts import policy
from pangting.core.transitions import Edge, Workflow

from .models import Approval, PlanKind, StudyPlan, StudySession

A = policy.Action
P = StudyPlan.Status


def at_plan_org(action: A) -> Callable[[Any, Any], bool]:
    """Allowed with `action` at the record's organization (a plan's or a session's)."""
    return lambda user, record: policy.can(user, action, record.organization)


def _has_themes(plan: StudyPlan) -> str | None:
    if plan.kind == PlanKind.CENTER_GROUP and not plan.themes.exists():
        return _("请至少填写一个学习专题后再报送（R-S5）。")
    return None


def _ready_to_submit(plan: StudyPlan) -> str | None:
    """R-S5 themes, then R-S15: a center-group plan is filed only after the leader approved it."""
    if problem := _has_themes(plan):
        return problem
    if plan.kind == PlanKind.CENTER_GROUP and plan.approval_state != Approval.APPROVED:
        return _("年度学习计划须经中心组组长（书记）审定后才能报送（R-S15）。")
    return None


RETURN_REASON = gettext_lazy("请填写退回原因。")
NO_CANCEL_REASON = gettext_lazy("请填写取消原因。")
CHANGE = at_plan_org(A.STUDY_CHANGE)
SUPERVISE = at_plan_org(A.STUDY_SUPERVISE)

PLAN = Workflow(
    model=StudyPlan,
    initial=P.DRAFT,
    states=list(P),
    edges=[
        Edge("submit", P.DRAFT, P.SUBMITTED, CHANGE, gettext_lazy("报送"), _ready_to_submit),
        Edge("submit", P.RETURNED, P.SUBMITTED, CHANGE, gettext_lazy("报送"), _ready_to_submit),
        Edge("acknowledge", P.SUBMITTED, P.ACKNOWLEDGED, SUPERVISE, gettext_lazy("确认收到")),
        Edge("return", P.SUBMITTED, P.RETURNED, SUPERVISE, gettext_lazy("退回修改"), needs_reason=RETURN_REASON),
    ],
    terminal=frozenset({P.ACKNOWLEDGED}),
)

# The status a page or API asks for → the step that leads there.
PLAN_STEPS: dict[str, str] = {P.SUBMITTED: "submit", P.ACKNOWLEDGED: "acknowledge", P.RETURNED: "return"}

# --- a session (R-S2 …): planned, then held (attendance confirmed) or cancelled with a reason -------

SS = StudySession.Status


SESSION = Workflow(
    model=StudySession,
    initial=SS.PLANNED,
    states=list(SS),
    edges=[
        Edge(
            "close_attendance",
            SS.PLANNED,
            SS.HELD,
            CHANGE,
            gettext_lazy("确认考勤"),
            confirm=gettext_lazy("确认后考勤将锁定，学习会记为已召开，不能撤回。确定确认考勤？"),
        ),
        Edge(
            "cancel",
            SS.PLANNED,
            SS.CANCELLED,
            CHANGE,
            gettext_lazy("取消学习会"),
            needs_reason=NO_CANCEL_REASON,
            confirm=gettext_lazy("取消后学习会不能恢复，已发出的通知随之作废。确定取消？"),
        ),
    ],
    terminal=frozenset({SS.HELD, SS.CANCELLED}),
)

# --- 书记审定 (R-S15): a second state of the same plan or session, `approval_state` ---------------

AP = Approval


def _leads(user: Any, record: Any) -> bool:
    """The center group's current leader (the policy decides: `leads_group`)."""
    return policy.leads_group(user, record.organization)


def _approvable(record: Any) -> str | None:
    """Only a center-group plan not yet filed, or a center-group session still planned."""
    if isinstance(record, StudyPlan):
        if record.kind != PlanKind.CENTER_GROUP:
            return _("只有中心组年度学习计划需要书记审定（R-S15）。")
        if record.status not in (P.DRAFT, P.RETURNED):
            return _("计划已报送，不能再审定。")
        return None
    if not record.is_center_group:
        return _("只有中心组学习会方案需要书记审定（R-S15）。")
    if record.status != SS.PLANNED:
        return _("学习会已召开或已取消，不能再审定。")
    return None


def _voidable(record: Any) -> str | None:
    if isinstance(record, StudyPlan) and record.status not in (P.DRAFT, P.RETURNED):
        return _("计划已报送，审定不能撤销。")
    if isinstance(record, StudySession) and record.status != SS.PLANNED:
        return _("学习会已召开或已取消，审定不能撤销。")
    return None


APPROVE = gettext_lazy("书记审定")
PAPER = gettext_lazy("登记纸质审定")
VOID = gettext_lazy("撤销审定")


def _approval_workflow(model: Any) -> Workflow:
    return Workflow(
        model=model,
        field="approval_state",
        initial=AP.PENDING,
        states=list(AP),
        edges=[
            Edge("approve", AP.PENDING, AP.APPROVED, _leads, APPROVE, _approvable),
            Edge("record_paper_approval", AP.PENDING, AP.APPROVED, CHANGE, PAPER, _approvable),
            # An edit of the content after approval voids it (the edit services take this step).
            Edge("void_approval", AP.APPROVED, AP.PENDING, CHANGE, VOID, _voidable),
            Edge("void_approval", AP.APPROVED, AP.PENDING, _leads, VOID, _voidable),
        ],
    )


PLAN_APPROVAL = _approval_workflow(StudyPlan)
SESSION_APPROVAL = _approval_workflow(StudySession)
APPROVAL_STEPS = frozenset({"approve", "record_paper_approval", "void_approval"})

WORKFLOWS = [PLAN, SESSION, PLAN_APPROVAL, SESSION_APPROVAL]
