"""Annual study plans (R-S1, R-B5): due date, themes, and the plan's steps (table in `study/workflows.py`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock, deliveries
from pangting.core.deliveries import Addressee, Receipt
from pangting.core.transitions import run_step
from pangting.orgs.models import Organization, OrganizationKind
from pangting.orgs.units import supervisor_org_for

from ..models import PlanKind, PlanTheme, StudyPlan
from ..parameters import StudyParameters, get_parameters
from ..workflows import PLAN_STEPS
from ._common import A, _check_seen, _fmt, _save


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
                {"themes": _("第{number}个专题：{items}").format(number=number, items=_("；").join(error.messages))}
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
    # i18n: not interface (stored as the record's title, as the official plan names it)
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


@transaction.atomic
def transition_plan(
    plan: StudyPlan, to: str, *, actor: Any, reason: str = "", expected_version: int | None = None
) -> StudyPlan:
    """Submit (secretary), acknowledge or return (supervisor) a plan (R-S1): one step of `workflows.PLAN`."""
    step = PLAN_STEPS.get(to)
    if step is None:
        raise ValidationError(_("没有这样的办理事项。"))
    _check_seen(plan, expected_version)
    if (
        step == "submit"
        and plan.status in (StudyPlan.Status.SUBMITTED, StudyPlan.Status.ACKNOWLEDGED)
        and policy.can(actor, A.STUDY_CHANGE, plan.organization)
    ):
        raise ValidationError(_("计划已于{time}报送，不能重复报送。").format(time=_fmt(plan.submitted_at)))

    def record(claimed: StudyPlan) -> None:
        now, who = clock.now(), actor if getattr(actor, "is_authenticated", False) else None
        if step == "submit":
            claimed.submitted_at, claimed.submitted_by, claimed.return_reason = now, who, ""
        elif step == "acknowledge":
            claimed.acknowledged_at, claimed.acknowledged_by = now, who
        else:
            claimed.return_reason = reason.strip()[:300]
        _save(claimed, actor)
        if claimed.kind == PlanKind.CENTER_GROUP:
            _deliver_plan(claimed, step, actor)

    return run_step(plan, step, actor=actor, reason=reason, expected_version=expected_version, effect=record)


PLAN_DELIVERY = "annual_plan"


def _deliver_plan(plan: StudyPlan, step: str, actor: Any) -> None:
    """R-S1 through the delivery mechanism: a submitted center-group plan is a document sent to the
    supervising 宣传部, who signs for it when he acknowledges or returns it. A plan sent again after
    its return is a new delivery; lateness counts from each send against the plan's due date."""
    if step == "submit":
        deliveries.send(
            plan,
            PLAN_DELIVERY,
            actor=actor,
            organization=plan.organization,
            title=_("{year}年度中心组学习计划").format(year=plan.year),
            sender_label=_("学习秘书"),
            rule="R-S1",
            addressees=[
                Addressee(
                    label=_("党委宣传部"),
                    organization=supervisor_org_for(plan.organization),
                    sign_action=str(A.STUDY_SUPERVISE),
                )
            ],
            due=plan.due_on,
            once=False,
        )
        return
    for receipt in Receipt.objects.filter(
        delivery__app_label="study", delivery__model="studyplan", delivery__object_id=plan.pk, signed_at__isnull=True
    ):
        deliveries.sign(receipt, actor=actor)
