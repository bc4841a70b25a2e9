"""The study workflows as data: a plan (R-S1, R-B5) is drafted, submitted to and acknowledged or
returned by the supervisor; a session is held or cancelled. Registered in `StudyConfig.ready`;
run by `pangting.core.transitions`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pangting.accounts import policy
from pangting.core.transitions import Edge, Workflow

from .models import PlanKind, StudyPlan, StudySession

A = policy.Action
P = StudyPlan.Status


def at_plan_org(action: A) -> Callable[[Any, Any], bool]:
    """Allowed with `action` at the record's organization (a plan's or a session's)."""
    return lambda user, record: policy.can(user, action, record.organization)


def _has_themes(plan: StudyPlan) -> str | None:
    if plan.kind == PlanKind.CENTER_GROUP and not plan.themes.exists():
        return _("请至少填写一个学习专题后再报送（R-S5）。")
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
        Edge("submit", P.DRAFT, P.SUBMITTED, CHANGE, gettext_lazy("报送"), _has_themes),
        Edge("submit", P.RETURNED, P.SUBMITTED, CHANGE, gettext_lazy("报送"), _has_themes),
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

WORKFLOWS = [PLAN, SESSION]
