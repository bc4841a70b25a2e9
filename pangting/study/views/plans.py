"""Annual study plan pages (R-S1, R-B5): list, form, detail and workflow transitions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.paging import paginate
from pangting.core.transitions import available_step_names
from pangting.orgs.models import Organization
from pangting.orgs.units import units as unit_set

from .. import services
from ..forms import PlanForm, ReasonForm, ThemeFormSet
from ..models import PlanKind, PlanTheme, StudyPlan
from ..parameters import get_parameters
from ..workflows import PLAN_STEPS
from ._common import A, _add_errors, _error_text

# The units without a plan named on the list page; the rest are counted (issue 15: 10,000 units).
MISSING_SHOWN = 30


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """Plans of the year with late and missing ones visible (R-S1)."""
    policy.require(request.user, A.STUDY_VIEW)
    today = clock.today()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year_plans = StudyPlan.objects.for_user(request.user).filter(year=year)
    # The number of themes as a subquery, not a join grouped over every plan of the year: the
    # database counts the themes of the page's rows only, and the pager's COUNT leaves it out
    # (issue 15: a province's 20,000 plans and 120,000 themes were joined and grouped on each view).
    themes = (
        PlanTheme.objects.filter(plan=OuterRef("pk"), deleted_at__isnull=True)
        .order_by()
        .values("plan")
        .annotate(n=Count("pk"))
        .values("n")
    )
    page, query_string = paginate(
        request,
        year_plans.select_related("organization")
        .annotate(theme_count=Coalesce(Subquery(themes), 0))
        .order_by("organization__path", "kind", "pk"),
    )
    plans = list(page.object_list)
    # The units still without a plan, in SQL: a count and the first few names (issue 15).
    with_plan = year_plans.filter(kind=PlanKind.CENTER_GROUP).values("organization_id")
    missing = unit_set(Organization.objects.for_user(request.user)).exclude(pk__in=with_plan)
    due = services.plan_due_on(year)
    adherence = services.adherence_by_plan(plans)  # R-S17: upper-level themes followed, per unit
    for plan in plans:
        plan.upper_adherence = adherence.get(plan.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "study/plan_list.html",
        {
            "plans": plans,
            "page_obj": page,
            "query_string": query_string,
            "missing": list(missing[:MISSING_SHOWN]),
            "missing_count": missing.count(),
            "year": year,
            "due": due,
            "past_due": today > due,
            "can_change": policy.can(request.user, A.STUDY_CHANGE),
        },
    )


def _theme_rows(formset: Any) -> list[dict[str, Any]]:
    return [f.cleaned_data for f in formset.forms if f.cleaned_data.get("theme")]


@login_required
def plan_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    plan = policy.get_for_user(StudyPlan, request.user, pk, A.STUDY_CHANGE) if pk else None
    policy.require(request.user, A.STUDY_CHANGE)
    organizations = Organization.objects.for_user(request.user, A.STUDY_CHANGE)
    initial: dict[str, Any] = {
        "year": clock.today().year,
        "kind": request.GET.get("kind", PlanKind.CENTER_GROUP),
    }
    themes_initial: list[dict[str, Any]] = [{"period_kind": "month", "period": m} for m in range(1, 13)]
    if plan is not None:
        initial = {"organization": plan.organization_id, "year": plan.year, "kind": plan.kind, "title": plan.title,
                   "note": plan.note}  # fmt: skip
        themes_initial = [
            {"period_kind": t.period_kind, "period": t.period, "theme": t.theme, "materials": t.materials,
             "topics": t.topics, "upper_theme": t.upper_theme_id}
            for t in plan.themes.all()
        ] + [{"period_kind": "month"}]  # fmt: skip
    form = PlanForm(request.POST or None, organizations=organizations, initial=initial, editing=plan is not None)
    # R-S17: the upper level's annual themes are offered when the unit plans: those of the
    # organization the form names, picked from the search or typed (without JavaScript only the
    # typed name is posted, which the form's field matches).
    named = form.cleaned_data.get("organization") if request.method == "POST" and form.is_valid() else None
    org_pk = named.pk if named is not None else request.POST.get("organization")
    upper = _upper_offered(plan, organizations, org_pk, request.POST.get("year"))
    themes = ThemeFormSet(request.POST or None, prefix="themes", initial=themes_initial, form_kwargs={"upper": upper})
    if request.method == "POST" and form.is_valid() and themes.is_valid():
        d = form.cleaned_data
        try:
            if plan is None:
                plan = services.create_plan(
                    d["organization"], actor=request.user, year=d["year"], kind=d["kind"], title=d["title"],
                    note=d["note"], themes=_theme_rows(themes),
                )  # fmt: skip
            else:
                services.update_plan(
                    plan, actor=request.user, title=d["title"], note=d["note"], themes=_theme_rows(themes)
                )
        except ValidationError as error:
            _add_errors(form, error)
            if plan is not None and plan.pk is None:
                plan = None
        else:
            messages.success(request, _("学习计划已保存。"))
            return redirect("study:plan_detail", pk=plan.pk)
    return render(request, "study/plan_form.html", {"form": form, "themes": themes, "plan": plan, "upper": upper})


def _upper_offered(plan: StudyPlan | None, organizations: Any, org_pk: Any, year: Any) -> list[Any]:
    """R-S17: the themes of the upper level's plan for the plan's organization and year."""
    if plan is not None:
        return services.upper_themes(plan.organization, plan.year)
    try:
        org = organizations.filter(pk=int(org_pk)).first() if org_pk else organizations.first()
        wanted = int(year) if year else clock.today().year
    except (TypeError, ValueError):
        return []
    return services.upper_themes(org, wanted) if org is not None else []


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = policy.get_for_user(StudyPlan.objects.select_related("organization", "approved_by"), request.user, pk)
    themes = plan.themes.annotate(session_count=Count("sessions", filter=Q(sessions__deleted_at__isnull=True)))
    can_change = policy.can(request.user, A.STUDY_CHANGE, plan.organization)
    required = get_parameters().required_topics
    covered = {topic for t in themes for topic in t.topics}
    return render(
        request,
        "study/plan_detail.html",
        {
            "plan": plan,
            "themes": themes,
            # The step buttons come from the workflow (study/workflows.PLAN), as the API's list does.
            "steps": available_step_names(plan, request.user),
            "can_edit": can_change and plan.status in (StudyPlan.Status.DRAFT, StudyPlan.Status.RETURNED),
            "return_form": ReasonForm(),
            # R-S16: required topics the plan's themes do not carry; R-S17: the upper level's themes followed.
            "missing_topics": [t for t in required if t not in covered] if plan.kind == PlanKind.CENTER_GROUP else [],
            "adherence": services.upper_adherence(plan) if plan.kind == PlanKind.CENTER_GROUP else None,
            "approval_needed": services.needs_approval(plan),  # R-S15
        },
    )


@login_required
@require_POST
def plan_transition(request: HttpRequest, pk: int, to: str) -> HttpResponse:
    """Submit (secretary), acknowledge or return (supervisor): one step of study/workflows.py (404 if not allowed)."""
    plan = policy.get_for_user(StudyPlan, request.user, pk)
    if to not in PLAN_STEPS:
        raise Http404
    try:
        raw_version = request.POST.get("version", "")
        services.transition_plan(
            plan,
            to,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            expected_version=int(raw_version) if raw_version.isdigit() else None,
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("计划已{status}。").format(status=StudyPlan.Status(to).label))
    return redirect("study:plan_detail", pk=plan.pk)
