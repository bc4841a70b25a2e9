"""不可安排时间: the supervisor enters the months a leader or liaison cannot take part in visits,
which the plan generator then keeps every visit out of (R-O1 hard constraint, R-O3 teams)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.views import add_form_errors, flash_errors, parse_year

from . import services
from .forms import UnavailabilityForm
from .models import Unavailability
from .views import supervisor_orgs

A = policy.Action


def _page(request: HttpRequest, year: int, form: UnavailabilityForm | None = None) -> HttpResponse:
    orgs = supervisor_orgs(request.user)
    if not orgs:
        raise Http404
    people = policy.planning_people_choices(request.user)
    form = form or UnavailabilityForm(
        people=people, seats=orgs, initial={"year": year, "first_month": 1, "last_month": 1}
    )
    rows = (
        Unavailability.objects.for_user(request.user, A.OBSERVATION_MANAGE)
        .filter(year=year)
        .select_related("person", "supervisor_org")
    )
    return render(
        request,
        "planning/unavailability_list.html",
        {"rows": rows, "form": form, "year": year, "years": [year - 1, year, year + 1], "several_seats": len(orgs) > 1},
    )


@login_required
def unavailability_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.OBSERVATION_MANAGE)
    year = parse_year(request.GET.get("year")) or clock.today().year + 1
    return _page(request, year)


@login_required
@require_POST
def unavailability_create(request: HttpRequest) -> HttpResponse:
    orgs = supervisor_orgs(request.user)
    if not orgs:
        raise Http404
    form = UnavailabilityForm(request.POST, people=policy.planning_people_choices(request.user), seats=orgs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.create_unavailability(
                actor=request.user,
                supervisor_org=form.chosen_seat(),
                person=data["person"],
                year=data["year"],
                first_month=data["first_month"],
                last_month=data["last_month"],
                reason=data["reason"],
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("已登记不可安排时间；此后生成的计划将避开这些月份。"))
            return redirect(f"{reverse('planning:unavailability_list')}?year={data['year']}")
    year = parse_year(request.POST.get("year")) or clock.today().year + 1
    return _page(request, year, form)


@login_required
@require_POST
def unavailability_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = policy.get_for_user(Unavailability.objects.select_related("supervisor_org"), request.user, pk)
    try:
        services.delete_unavailability(row, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已删除该不可安排时间。"))
    return redirect(f"{reverse('planning:unavailability_list')}?year={row.year}")
