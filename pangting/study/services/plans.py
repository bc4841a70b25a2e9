"""Annual study plans (R-S1, R-B5): due date, themes, and the plan workflow table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.orgs.models import Organization, OrganizationKind

from ..models import PlanKind, PlanTheme, StudyPlan
from ..parameters import StudyParameters, get_parameters
from ._common import A, _fmt, _save


def plan_due_on(year: int, params: StudyParameters | None = None) -> dt.date:
    params = params or get_parameters()
    day = params.plan_due_day
    while True:
        try:
            return dt.date(year, params.plan_due_month, day)
        except ValueError:
            day -= 1


def _sync_themes(plan: StudyPlan, themes: Sequence[dict[str, Any]], actor: Any) -> None:
    for old in plan.themes.all():
        if old.sessions.exists():
            continue  # a theme a session refers to stays (R-S5 evidence)
        old.soft_delete(actor=actor)
    for number, item in enumerate(themes, start=1):
        theme = (item.get("theme") or "").strip()
        if not theme:
            continue
        try:
            period = int(item.get("period") or 0)
        except (TypeError, ValueError):
            raise ValidationError({"themes": _("第{number}个专题的月份/季度无效。").format(number=number)}) from None
        row = PlanTheme(
            plan=plan,
            period_kind=item.get("period_kind") or PlanTheme.PeriodKind.MONTH,
            period=period,
            theme=theme,
            materials=(item.get("materials") or "").strip(),
        )
        try:
            _save(row, actor)
        except ValidationError as error:
            raise ValidationError(
                {"themes": _("第{number}个专题：{items}").format(number=number, items="；".join(error.messages))}
            ) from error


@transaction.atomic
def create_plan(
    organization: Organization,
    *,
    actor: Any,
    year: int,
    kind: str = PlanKind.CENTER_GROUP,
    title: str = "",
    note: str = "",
    themes: Sequence[dict[str, Any]] = (),
) -> StudyPlan:
    if StudyPlan.objects.filter(organization=organization, year=year, kind=kind).exists():
        raise ValidationError(
            _("{organization}已有{year}年度的{kind}，请直接修改。").format(
                organization=organization.name, year=year, kind=PlanKind(kind).label
            )
        )
    if kind == PlanKind.BRANCH and organization.kind != OrganizationKind.BRANCH:
        raise ValidationError({"kind": _("“三会一课”年度计划由党支部制定（R-B5）。")})
    plan = StudyPlan(
        organization=organization,
        year=year,
        kind=kind,
        title=title.strip() or f"{organization.name}{year}年度{PlanKind(kind).label.removesuffix('计划')}计划",
        note=note,
        due_on=plan_due_on(year),
    )
    _save(plan, actor)
    _sync_themes(plan, themes, actor)
    return plan


@transaction.atomic
def update_plan(
    plan: StudyPlan, *, actor: Any, title: str, note: str = "", themes: Sequence[dict[str, Any]] | None = None
) -> StudyPlan:
    if plan.status not in (StudyPlan.Status.DRAFT, StudyPlan.Status.RETURNED):
        raise ValidationError(
            _("计划{status}，不能修改；如需调整请联系宣传部退回。").format(status=plan.get_status_display())
        )
    plan.title, plan.note = title.strip() or plan.title, note
    _save(plan, actor)
    if themes is not None:
        _sync_themes(plan, themes, actor)
    return plan


# Status workflow of a plan as data: (from, to) → the action the actor needs at the plan's
# organization (house style §4).
PLAN_TRANSITIONS: dict[tuple[str, str], A] = {
    (StudyPlan.Status.DRAFT, StudyPlan.Status.SUBMITTED): A.STUDY_CHANGE,
    (StudyPlan.Status.RETURNED, StudyPlan.Status.SUBMITTED): A.STUDY_CHANGE,
    (StudyPlan.Status.SUBMITTED, StudyPlan.Status.ACKNOWLEDGED): A.STUDY_SUPERVISE,
    (StudyPlan.Status.SUBMITTED, StudyPlan.Status.RETURNED): A.STUDY_SUPERVISE,
}


@transaction.atomic
def transition_plan(plan: StudyPlan, to: str, *, actor: Any, reason: str = "") -> StudyPlan:
    """Submit (secretary), acknowledge or return (supervisor) a plan (R-S1)."""
    plan = StudyPlan.objects.select_for_update().get(pk=plan.pk)
    action = PLAN_TRANSITIONS.get((plan.status, to))
    if action is None:
        if to == StudyPlan.Status.SUBMITTED and plan.status in (
            StudyPlan.Status.SUBMITTED,
            StudyPlan.Status.ACKNOWLEDGED,
        ):
            raise ValidationError(_("计划已于{time}报送，不能重复报送。").format(time=_fmt(plan.submitted_at)))
        raise ValidationError(
            _("计划{status}，不能改为“{to_status}”。").format(
                status=plan.get_status_display(), to_status=StudyPlan.Status(to).label
            )
        )
    if not policy.can(actor, action, plan.organization):
        raise ValidationError(_("您没有权限进行此操作。"))
    now = timezone.now()
    if to == StudyPlan.Status.SUBMITTED:
        if plan.kind == PlanKind.CENTER_GROUP and not plan.themes.exists():
            raise ValidationError(_("请至少填写一个学习专题后再报送（R-S5）。"))
        plan.submitted_at, plan.submitted_by = now, actor if getattr(actor, "is_authenticated", False) else None
        plan.return_reason = ""
    elif to == StudyPlan.Status.ACKNOWLEDGED:
        plan.acknowledged_at, plan.acknowledged_by = now, actor if getattr(actor, "is_authenticated", False) else None
    elif to == StudyPlan.Status.RETURNED:
        if not reason.strip():
            raise ValidationError({"reason": _("请填写退回原因。")})
        plan.return_reason = reason.strip()
    plan.status = to
    _save(plan, actor)
    return plan
