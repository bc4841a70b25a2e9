"""The year's observation plan (巡听旁听计划, R-O1) and the two-year coverage (R-O11).

The plan page lists the plan's visits by semester and month, shows which units have been
observed in the year's two-year round (`observation.coverage`, the one R-O11 definition),
and lets the supervisor approve the plan.
"""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.views import chinese_file
from pangting.orgs.models import Organization
from pangting.orgs.units import supervising_organizations, units_supervised_by

from . import coverage, services, yearfile
from .forms import CommitteeDecisionForm
from .models import ObservationPlan, Semester, Visit

A = policy.Action


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else clock.today().year


def _supervisor_orgs(user: Any) -> Any:
    """The supervising organizations whose plans the user makes (R-O23: his own seat)."""
    return policy.seats(user, A.OBSERVATION_MANAGE)


@login_required
def plan_detail(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, A.OBSERVATION_VIEW)
    year = _year(request)
    plans = ObservationPlan.objects.for_user(user).filter(year=year).select_related("organization", "approved_by")
    org_param = request.GET.get("org", "")
    own = _supervisor_orgs(user).first()
    if org_param.isdigit():
        plans = plans.filter(organization_id=int(org_param))
    elif own is not None:
        plans = plans.filter(organization=own)  # R-O23: the level's own plan; levels below by ?org=
    plan = plans.first()
    supervisor_org = plan.organization if plan else own
    if plan is None and supervisor_org is None:
        # Only those who see a supervising organization's plan reach this page (viewer, supervisor).
        roots = supervising_organizations(Organization.objects.for_user(user, A.OBSERVATION_VIEW))
        supervisor_org = roots.first()
        if supervisor_org is None:
            raise Http404
    groups: list[dict[str, Any]] = []
    if plan:
        visits = plan.visits.filter(deleted_at__isnull=True).select_related("unit", "session")
        by_semester: dict[int, dict[int | None, list[Visit]]] = defaultdict(lambda: defaultdict(list))
        for visit in visits.order_by("semester", "target_month", "unit__sort_order", "unit__path"):
            by_semester[visit.semester][visit.target_month].append(visit)
        for semester, months in sorted(by_semester.items()):
            groups.append(
                {
                    "label": Semester(semester).label,
                    "months": [
                        {"month": month, "visits": items}
                        for month, items in sorted(months.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
                    ],
                }
            )
    covered = coverage.coverage(list(units_supervised_by(supervisor_org).order_by("sort_order", "path")), year)
    other_visits = (
        Visit.objects.for_user(user)
        .filter(year=year, supervisor_org=supervisor_org, plan__isnull=True)
        .select_related("unit")
        .order_by("semester", "target_month")
    )
    can_manage = policy.can_supervise(user, A.OBSERVATION_MANAGE, supervisor_org)
    return render(
        request,
        "observation/plan_detail.html",
        {
            "year": year,
            "plan": plan,
            "supervisor_org": supervisor_org,
            "groups": groups,
            "coverage": covered.rows,
            "coverage_round": covered.round,
            "uncovered": covered.uncovered,
            "other_visits": other_visits,
            "can_manage": can_manage,
            "today": clock.today(),
            "committee_form": CommitteeDecisionForm(
                initial={"meeting": plan.committee_meeting, "day": plan.committee_date} if plan else None
            ),
        },
    )


@login_required
@require_POST
def plan_committee(request: HttpRequest, pk: int) -> HttpResponse:
    """R-O20: record the party committee's decision on the plan (meeting, date, document)."""
    plan = policy.get_for_user(
        ObservationPlan.objects.select_related("organization"), request.user, pk, A.OBSERVATION_MANAGE
    )
    form = CommitteeDecisionForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError([str(e) for errors in form.errors.values() for e in errors])
        data = form.cleaned_data
        services.record_committee_decision(
            plan, actor=request.user, meeting=data["meeting"], day=data["day"], document=data["document"]
        )
        messages.success(request, _("已登记党委审定情况。"))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(f"{_plan_url()}?year={plan.year}")


@login_required
def plan_document(request: HttpRequest, pk: int) -> FileResponse:
    """The committee's decision document, for everyone who may see the plan."""
    plan = policy.get_for_user(ObservationPlan.objects.all(), request.user, pk)
    if not plan.committee_document:
        raise Http404
    try:
        handle = plan.committee_document.open("rb")
    except OSError as missing:
        raise Http404 from missing
    return FileResponse(handle, as_attachment=True, filename=os.path.basename(plan.committee_document.name))


@login_required
@require_POST
def plan_create(request: HttpRequest) -> HttpResponse:
    """Start the year's plan (R-O1); visits are then added with 安排巡听旁听."""
    year = _year(request) if request.GET.get("year") else int(request.POST.get("year", "0") or 0)
    if not 2000 <= year <= 2100:
        raise Http404
    supervisor_org = _supervisor_orgs(request.user).first()
    if supervisor_org is None:
        raise Http404
    services.ensure_plan(supervisor_org, year, actor=request.user)
    messages.success(request, _("已建立{year}年度巡听旁听计划。").format(year=year))
    return redirect(f"{_plan_url()}?year={year}")


@login_required
@require_POST
def plan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = policy.get_for_user(
        ObservationPlan.objects.select_related("organization"), request.user, pk, A.OBSERVATION_MANAGE
    )
    try:
        services.approve_plan(plan, actor=request.user)
        messages.success(request, _("计划已审定。"))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(f"{_plan_url()}?year={plan.year}")


def _plan_url() -> str:
    from django.urls import reverse

    return reverse("observation:plan_detail")


@login_required
@chinese_file
def year_file(request: HttpRequest) -> HttpResponse:
    """One zip for a year: plan, letters, records, feedback, ledgers, index (R-O1, R-O15)."""
    policy.require(request.user, A.OBSERVATION_MANAGE)
    year = _year(request)
    archive = yearfile.build_year_file(request.user, year)
    # i18n: not interface (the name of a Chinese document file)
    return FileResponse(
        archive, as_attachment=True, filename=f"{year}年度巡听旁听工作档案.zip", content_type="application/zip"
    )


@login_required
@require_POST
def year_file_job(request: HttpRequest) -> HttpResponse:
    """The year's zip written by the background worker; the job's page offers the download."""
    policy.require(request.user, A.OBSERVATION_MANAGE)
    raw = request.POST.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else clock.today().year
    job = yearfile.start_year_file(request.user, year)
    return redirect("job_detail", pk=job.pk)
