"""Branches' 三会一课 pages (R-B1 … R-B6): the frequency overview and secretary training."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.paging import page_context
from pangting.orgs.models import Organization, OrganizationKind, Person
from pangting.orgs.units import is_unit

from .. import services
from ..forms import TrainingForm
from ..models import SecretaryTraining
from ._common import A, _add_errors


@login_required
def branch_overview(request: HttpRequest) -> HttpResponse:
    """Frequency of 三会一课 per branch and of center-group sessions per unit, with R-B3/5/6 per unit."""
    policy.require(request.user, A.STUDY_VIEW)
    today = clock.today()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    # Issue 15: the page shows one page of the reached tree (in tree order, so a unit comes with
    # its branches), and counts only that page's organizations: the same queries for 10 or 10,000.
    reached = (
        Organization.objects.for_user(request.user)
        .filter(kind__in=[OrganizationKind.BRANCH, OrganizationKind.PARTY_COMMITTEE, OrganizationKind.GENERAL_BRANCH])
        .filter(Q(kind=OrganizationKind.BRANCH) | Q(study_group__isnull=False))
        .select_related("study_group")
        .order_by("path")
    )
    context = page_context(request, reached)
    shown = list(context["page_obj"])
    by_org: dict[int, list[services.RuleResult]] = {}
    for result in services.frequency_report(shown, year, today=today):
        by_org.setdefault(result.organization.pk, []).append(result)
    rows = [(org, by_org[org.pk]) for org in shown if org.pk in by_org]
    summaries = services.unit_branch_summaries([o for o in shown if is_unit(o)], year, today=today)
    return render(
        request,
        "study/branch_overview.html",
        {
            **context,
            "rows": rows,
            "summaries": summaries,
            "year": year,
            "can_change": policy.can(request.user, A.STUDY_CHANGE),
        },
    )


@login_required
def training_list(request: HttpRequest) -> HttpResponse:
    """R-B6 / R-S18: training of branch secretaries and study secretaries, at least once a year."""
    policy.require(request.user, A.STUDY_VIEW)
    trainings = (
        SecretaryTraining.objects.for_user(request.user).select_related("organization").prefetch_related("trainees")
    )
    form = None
    if policy.can(request.user, A.STUDY_CHANGE):
        form = TrainingForm(
            request.POST or None,
            organizations=Organization.objects.for_user(request.user, A.STUDY_CHANGE),
            # Branch secretaries (R-B6) and the units' study secretaries (R-S18).
            people=Person.objects.for_user(request.user, A.STUDY_CHANGE).order_by("organization__path", "name"),
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.record_training(form.cleaned_data.pop("organization"), actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("培训已记录。"))
                return redirect("study:training_list")
    elif request.method == "POST":
        raise Http404
    context = page_context(request, trainings.order_by("-held_on", "-pk"))
    return render(request, "study/training_list.html", {**context, "form": form})
