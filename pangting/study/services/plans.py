"""Annual study plans (R-S1, R-B5): due date, themes, and the plan's steps (table in `study/workflows.py`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock, deliveries, registry
from pangting.core.deliveries import Addressee, Receipt
from pangting.core.transitions import run_step
from pangting.orgs.models import PATH_STEP, Organization, OrganizationKind
from pangting.orgs.units import supervisor_org_for

from ..models import PlanKind, PlanTheme, StudyPlan
from ..parameters import StudyParameters, get_parameters
from ..workflows import PLAN_STEPS
from ._common import A, _check_seen, _fmt, _save
from .approval import plan_snapshot, void_if_changed


def plan_due_on(year: int, params: StudyParameters | None = None) -> dt.date:
    params = params or get_parameters()
    day = params.plan_due_day
    while True:
        try:
            return dt.date(year, params.plan_due_month, day)
        except ValueError:
            day -= 1


def _ancestor_paths(organization: Organization) -> list[str]:
    """The paths of the organizations above `organization`, nearest first."""
    path = organization.path
    return [path[:end] for end in range(len(path) - PATH_STEP, 0, -PATH_STEP)]


def upper_plan(organization: Organization, year: int) -> StudyPlan | None:
    """R-S17: the annual center-group plan of the nearest level above that has one for `year`."""
    paths = _ancestor_paths(organization)
    if not paths:
        return None
    plans = {
        p.organization.path: p
        for p in StudyPlan.objects.filter(
            organization__path__in=paths, year=year, kind=PlanKind.CENTER_GROUP
        ).select_related("organization")
    }
    return next((plans[path] for path in paths if path in plans), None)


def upper_themes(organization: Organization, year: int) -> list[PlanTheme]:
    """R-S17 上下联动: the upper level's annual themes, offered when `organization` plans `year`."""
    plan = upper_plan(organization, year)
    return list(plan.themes.all()) if plan else []


@dataclass(frozen=True)
class UpperAdherence:
    """R-S17: how a unit's plan follows the upper level's annual themes."""

    upper: StudyPlan
    followed: tuple[PlanTheme, ...]
    missing: tuple[PlanTheme, ...]

    @property
    def total(self) -> int:
        return len(self.followed) + len(self.missing)


def upper_adherence(plan: StudyPlan) -> UpperAdherence | None:
    """Which upper-level themes the plan's themes follow (`upper_theme`); None without an upper plan."""
    upper = upper_plan(plan.organization, plan.year)
    if upper is None:
        return None
    taken = set(plan.themes.exclude(upper_theme=None).values_list("upper_theme_id", flat=True))
    themes = list(upper.themes.all())
    return UpperAdherence(
        upper,
        tuple(t for t in themes if t.pk in taken),
        tuple(t for t in themes if t.pk not in taken),
    )


def adherence_by_plan(plans: Sequence[StudyPlan]) -> dict[int, tuple[int, int, tuple[str, ...]]]:
    """R-S17 per unit (the plan list, the R-S17 check): {plan id: (upper themes followed, upper
    themes, the names of those not followed)} for the center-group plans that have an upper
    plan; two queries whatever the number of plans (their organizations already loaded)."""
    mine = [p for p in plans if p.kind == PlanKind.CENTER_GROUP]
    wanted = {(path, p.year) for p in mine for path in _ancestor_paths(p.organization)}
    if not wanted:
        return {}
    uppers: dict[tuple[str, int], dict[int, str]] = {}
    for theme in (
        PlanTheme.objects.filter(
            plan__organization__path__in={path for path, _year in wanted},
            plan__year__in={year for _path, year in wanted},
            plan__kind=PlanKind.CENTER_GROUP,
            plan__deleted_at__isnull=True,
        )
        .order_by("period_kind", "period", "pk")
        .values("pk", "theme", "plan__organization__path", "plan__year")
    ):
        key = (theme["plan__organization__path"], theme["plan__year"])
        uppers.setdefault(key, {})[theme["pk"]] = theme["theme"]
    followed: dict[int, set[int]] = {}
    for plan_id, upper_id in PlanTheme.objects.filter(plan__in=mine, upper_theme__isnull=False).values_list(
        "plan_id", "upper_theme_id"
    ):
        followed.setdefault(plan_id, set()).add(upper_id)
    result: dict[int, tuple[int, int, tuple[str, ...]]] = {}
    for plan in mine:
        upper = next(
            (uppers[(path, plan.year)] for path in _ancestor_paths(plan.organization) if (path, plan.year) in uppers),
            None,
        )
        if upper:
            taken = followed.get(plan.pk, set())
            missing = tuple(name for pk, name in upper.items() if pk not in taken)
            result[plan.pk] = (len(upper) - len(missing), len(upper), missing)
    return result


def _topics(raw: Any, number: int, allowed: Sequence[str]) -> list[str]:
    """R-S5: the theme's topic tags, each from the configured list."""
    if raw in (None, ""):
        return []
    # i18n: not interface (input accepted in Chinese: the full-width comma between tags)
    items = raw if isinstance(raw, list | tuple) else str(raw).replace("，", ",").split(",")
    topics = list(dict.fromkeys(str(t).strip() for t in items if str(t).strip()))
    unknown = [t for t in topics if t not in allowed]
    if unknown:
        raise ValidationError(
            {
                "themes": _("第{number}个专题的标签“{tags}”不在可选标签中（R-S5）。").format(
                    number=number, tags=_("、").join(unknown)
                )
            }
        )
    return topics


def _upper_theme(raw: Any, plan: StudyPlan, number: int) -> PlanTheme | None:
    """R-S17: the upper theme must be one of the upper level's themes of the same year."""
    if raw in (None, ""):
        return None
    pk = raw.pk if isinstance(raw, PlanTheme) else raw
    offered = {t.pk: t for t in upper_themes(plan.organization, plan.year)}
    try:
        return offered[int(pk)]
    except (KeyError, TypeError, ValueError):
        raise ValidationError(
            {"themes": _("第{number}个专题对应的上级专题不是上级本年度的学习专题（R-S17）。").format(number=number)}
        ) from None


def _sync_themes(plan: StudyPlan, themes: Sequence[dict[str, Any]], actor: Any) -> None:
    allowed = get_parameters().topic_tags
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
            topics=_topics(item.get("topics"), number, allowed),
            upper_theme=_upper_theme(item.get("upper_theme"), plan, number),
        )
        try:
            _save(row, actor)
        except ValidationError as error:
            raise ValidationError(
                {"themes": _("第{number}个专题：{items}").format(number=number, items=_("；").join(error.messages))}
            ) from error
        registry.text_saved("plan_theme", row)  # the theme hints' words (R-S6)


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
    before = plan_snapshot(plan) if plan.is_approved else None
    plan.title, plan.note = title.strip() or plan.title, note
    _save(plan, actor)
    if themes is not None:
        _sync_themes(plan, themes, actor)
    if before is not None:  # R-S15: a changed plan must be approved again
        void_if_changed(plan, actor=actor, changed=plan_snapshot(plan) != before)
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
