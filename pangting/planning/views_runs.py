"""Plan-generation pages (R-O1): start a run (a job for the background worker), watch its
progress (htmx polling), review the draft and approve it into the year's planned visits."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.paging import page_context
from pangting.core.views import confirm_first
from pangting.lib import planner
from pangting.observation.models import Semester

from . import services
from .forms import RunForm
from .models import PlanRun, Unavailability
from .views import _errors, supervisor_orgs

# Approving imports the draft's visits into the year's plan: asked before it is done (issue 16).
APPROVE_CONFIRM = gettext_lazy("审定后方案中的巡听旁听将导入本年度计划，不能撤回，之后只能逐条调整。确定审定并导入？")

A = policy.Action


def _run(request: HttpRequest, pk: int) -> PlanRun:
    qs = PlanRun.objects.select_related("supervisor_org", "created_by", "approved_by")
    return policy.get_for_user(qs, request.user, pk, A.OBSERVATION_MANAGE)


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.OBSERVATION_MANAGE)
    runs = PlanRun.objects.for_user(request.user, A.OBSERVATION_MANAGE).select_related("supervisor_org")
    form = RunForm(
        seats=supervisor_orgs(request.user),
        initial={"year": clock.today().year + 1, "time_limit": 10, "cross_observation": True},
    )
    context = page_context(request, runs.order_by("-created_at", "-pk"))
    return render(request, "planning/run_list.html", {**context, "form": form})


@login_required
@require_POST
def run_create(request: HttpRequest) -> HttpResponse:
    orgs = supervisor_orgs(request.user)
    if not orgs:
        raise Http404
    form = RunForm(request.POST, seats=orgs)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("planning:run_list")
    try:
        options = {name: value for name, value in form.cleaned_data.items() if name != "supervisor_org"}
        run = services.create_run(actor=request.user, supervisor_org=form.chosen_seat(), **options)
    except ValidationError as error:
        _errors(request, error)
        return redirect("planning:run_list")
    services.queue_run(run, actor=request.user)
    messages.success(request, _("已开始生成计划草案，请稍候。"))
    return redirect("planning:run_detail", pk=run.pk)


def _draft_groups(run: PlanRun) -> list[dict[str, Any]]:
    """The draft by semester, one row per visit in month order, for review."""
    by_semester: dict[int, dict[int, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for visit in run.draft.get("visits", []):
        by_semester[visit["semester"]][visit["month"]].append(visit)
    cross: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for pair in run.draft.get("cross", []):
        cross[pair["semester"]].append(pair)
    return [
        {
            "label": Semester(semester).label,
            # One compact row per visit, by month then unit (issue 16: no page of one form per visit).
            "visits": [
                {**v, "semester_key": str(semester), "unit_key": str(v["unit_id"])}
                for _m, visits in sorted(months.items())
                for v in sorted(visits, key=lambda v: v["unit_name"])
            ],
            "count": sum(len(visits) for visits in months.values()),
            "cross": cross.get(semester, []),
        }
        for semester, months in sorted((s, by_semester[s]) for s in {*by_semester, *cross})
    ]


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    loads: dict[str, int] = defaultdict(int)
    for visit in run.draft.get("visits", []):
        loads[visit["leader_name"]] += 1
    editable = run.has_plan and run.approved_at is None
    # Who is away in which month (R-O1 hard constraint): shown beside each visit and month choice.
    away = services.away_lookup(run.supervisor_org, run.year)
    for visit in run.draft.get("visits", []):
        visit["is_existing"] = services.is_existing(visit)
        visit["away"] = away(visit["unit_id"], visit["leader_id"], visit["month"])
        # R-O20: in a month the unit planned a session in, or why not.
        visit["in_planned_month"], visit["planned_note"] = services.planned_month_note(visit)
    if editable:
        teams = services.allowed_teams(run)
        months = {number: planner.DEFAULT_SEMESTERS[number - 1].months for number in (1, 2)}
        for visit in run.draft["visits"]:
            visit["editable"] = not visit["is_existing"]
            visit["month_choices"] = [
                {"month": m, "away": bool(away(visit["unit_id"], visit["leader_id"], m))}
                for m in months[visit["semester"]]
            ]
            visit["team_choices"] = teams.get(str(visit["unit_id"]), [])
    adjustments = [
        {**a, "at": dt.datetime.fromisoformat(a["at"]) if a.get("at") else None}
        for a in run.draft.get("adjustments", [])
    ]
    unavailable = Unavailability.objects.filter(supervisor_org=run.supervisor_org, year=run.year).select_related(
        "person"
    )
    source_pk = run.parameters.get("resolved_from")
    source = PlanRun.objects.filter(pk=source_pk, supervisor_org=run.supervisor_org).first() if source_pk else None
    return render(
        request,
        "planning/run_detail.html",
        {
            "run": run,
            "groups": _draft_groups(run),
            "loads": sorted(loads.items()),
            "planned": services.planned_month_summary(run.draft.get("visits", [])),
            "editable": editable,
            "source": source,
            "resolved": PlanRun.objects.filter(supervisor_org=run.supervisor_org, parameters__resolved_from=run.pk),
            "pins": run.parameters.get("pins", []),
            "adjustments": adjustments,
            "unavailable": unavailable,
            "approve_confirm": APPROVE_CONFIRM,
        },
    )


@login_required
@require_POST
def run_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a draft visit (month, team) and/or pin it; one plain form per row."""
    run = _run(request, pk)
    pinned = {"1": True, "0": False}.get(request.POST.get("pinned", ""))
    try:
        services.adjust_draft(
            run,
            actor=request.user,
            unit_id=request.POST.get("unit_id", ""),
            semester=request.POST.get("semester", ""),
            month=request.POST.get("month") or None,
            team_id=request.POST.get("team_id") or None,
            pinned=pinned,
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("已调整计划草案。"))
    return redirect("planning:run_detail", pk=run.pk)


@login_required
@require_POST
def run_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-solve around the pinned visits: a new run, started like any other."""
    run = _run(request, pk)
    try:
        new = services.resolve_run(run, actor=request.user)
    except ValidationError as error:
        _errors(request, error)
        return redirect("planning:run_detail", pk=run.pk)
    services.queue_run(new, actor=request.user)
    messages.success(request, _("已按固定的安排重新生成计划草案，请稍候。"))
    return redirect("planning:run_detail", pk=new.pk)


@login_required
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx; a finished run reloads the page to show the draft."""
    run = _run(request, pk)
    response = render(request, "planning/_run_progress.html", {"run": run})
    if run.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def run_approve(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    if page := confirm_first(request, str(APPROVE_CONFIRM)):
        return page  # no script: approving asks on a page of its own (issue 16)
    try:
        visits = services.approve_run(run, actor=request.user)
    except ValidationError as error:
        _errors(request, error)
        return redirect("planning:run_detail", pk=run.pk)
    messages.success(request, _("已按草案安排{count}次巡听旁听，请在巡听旁听计划中审定。").format(count=len(visits)))
    return redirect(f"{reverse('observation:plan_detail')}?year={run.year}")
