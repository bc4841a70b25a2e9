"""The study plan workflow as data (R-S1, R-B5): drafted, submitted to and acknowledged or returned
by the supervisor. Registered in `StudyConfig.ready`; run by `pangting.core.transitions`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pangting.accounts import policy
from pangting.core.transitions import Edge, Workflow

from .models import PlanKind, StudyPlan

A = policy.Action
P = StudyPlan.Status


def at_plan_org(action: A) -> Callable[[Any, Any], bool]:
    return lambda user, plan: policy.can(user, action, plan.organization)


def _has_themes(plan: StudyPlan) -> str | None:
    if plan.kind == PlanKind.CENTER_GROUP and not plan.themes.exists():
        return _("请至少填写一个学习专题后再报送（R-S5）。")
    return None


RETURN_REASON = gettext_lazy("请填写退回原因。")
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

WORKFLOWS = [PLAN]
