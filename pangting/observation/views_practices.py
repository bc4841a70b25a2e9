"""Typical practices (典型经验做法, R-O16): collected during visits, promoted, replicated.

The library shows the practices of the units the user reaches, and the promoted ones of
the user's whole committee: promoting a practice publishes it to every unit, which is what
"promoted" means (R-O16), so that other units can take it up.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from pangting.accounts import policy
from pangting.core import clock, inputs, widgets
from pangting.orgs.models import PATH_STEP, Organization
from pangting.orgs.units import units

from . import services
from .models import Practice, Visit

A = policy.Action


def practices_for(user: Any) -> QuerySet[Practice]:
    """The user's own reach, plus the promoted practices of the trees the user belongs to."""
    granted = policy.reach(user, A.OBSERVATION_VIEW)
    if granted.is_empty:
        return Practice.objects.none()
    condition = granted.q("unit")
    if granted.everything:
        return Practice.objects.filter(condition)
    roots = {prefix[:PATH_STEP] for prefix in granted.prefixes}
    roots |= set(Organization.objects.filter(pk__in=granted.org_ids).values_list("path", flat=True))
    for root in {r[:PATH_STEP] for r in roots}:
        condition |= Q(status=Practice.Status.PROMOTED, unit__path__startswith=root)
    return Practice.objects.filter(condition)


def get_practice_for_user(user: Any, pk: Any) -> Practice:
    try:
        return practices_for(user).select_related("unit", "visit").get(pk=pk)
    except (Practice.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


class PracticeForm(inputs.CheckedForm):
    unit = widgets.OrganizationSearchField(
        label=_("来源单位"), scope="observation.manage,observation.reply", units_only=True
    )
    title = forms.CharField(label=_("名称"), max_length=120)
    description = forms.CharField(label=_("做法简介"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class ReplicationForm(inputs.CheckedForm):
    unit = widgets.OrganizationSearchField(label=_("借鉴单位"), scope="observation.manage", units_only=True)
    on = forms.DateField(label=_("日期"), widget=widgets.DateInput())
    notes = forms.CharField(label=_("情况"), max_length=300, required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


def _units(user: Any, *actions: A) -> QuerySet[Organization]:
    condition = Q(pk__in=[])
    for action in actions:
        granted = policy.reach(user, action)
        if not granted.is_empty:
            condition |= granted.q("pk")
    return units(Organization.objects.filter(condition))


@login_required
def practice_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, A.OBSERVATION_VIEW)
    items = practices_for(user).select_related("unit", "visit").annotate(n=Count("replications"))
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    if query:
        items = items.filter(
            Q(title__icontains=query) | Q(description__icontains=query) | Q(unit__name__icontains=query)
        )
    if status in Practice.Status.values:
        items = items.filter(status=status)
    page = Paginator(items.order_by("-created_at"), 30).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "observation/practice_list.html",
        {
            "page_obj": page,
            "q": query,
            "status": status,
            "statuses": Practice.Status.choices,
            "query_string": params.urlencode(),
            "can_create": _units(user, A.OBSERVATION_MANAGE, A.OBSERVATION_RECORD, A.OBSERVATION_REPLY).exists(),
        },
    )


@login_required
def practice_create(request: HttpRequest) -> HttpResponse:
    """From a visit (supervisor, leader, liaison) or for a unit (its own experience reported back, R-O16)."""
    user = request.user
    visit = None
    if request.GET.get("visit") or request.POST.get("visit"):
        visit = policy.get_for_user(
            Visit.objects.select_related("unit"), user, request.GET.get("visit") or request.POST.get("visit")
        )
        if not (
            policy.can(user, A.OBSERVATION_MANAGE, visit.unit) or policy.can(user, A.OBSERVATION_RECORD, visit.unit)
        ):
            raise Http404
        units = Organization.objects.filter(pk=visit.unit_id)
    else:
        units = _units(user, A.OBSERVATION_MANAGE, A.OBSERVATION_REPLY)
        if not units.exists():
            raise Http404
    initial = {"unit": visit.unit} if visit else ({"unit": units.first()} if units.count() == 1 else {})
    form = PracticeForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            practice = services.collect_practice(
                actor=user, unit=data["unit"], title=data["title"], description=data["description"], visit=visit
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("典型经验做法已收集。"))
            return redirect("observation:practice_detail", pk=practice.pk)
    return render(request, "observation/practice_form.html", {"form": form, "visit": visit})


@login_required
def practice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    practice = get_practice_for_user(user, pk)
    can_manage = policy.can(user, A.OBSERVATION_MANAGE, practice.unit)
    units = (
        _units(user, A.OBSERVATION_MANAGE).exclude(pk=practice.unit_id) if can_manage else Organization.objects.none()
    )
    form = ReplicationForm(
        request.POST if request.POST.get("step") == "replicate" else None,
        units=units,
        initial={"on": clock.today()},
    )
    if request.method == "POST":
        if not can_manage:
            raise Http404
        step = request.POST.get("step")
        try:
            if step == "promote":
                services.promote_practice(practice, actor=user)
                messages.success(request, _("已推广。"))
            elif step == "replicate" and form.is_valid():
                data = form.cleaned_data
                services.record_replication(practice, data["unit"], actor=user, on=data["on"], notes=data["notes"])
                messages.success(request, _("已登记推广借鉴情况。"))
            else:
                raise ValidationError(_("提交的内容不完整，请检查后重试。"))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            return redirect("observation:practice_detail", pk=practice.pk)
    replications = practice.replications.filter(deleted_at__isnull=True).select_related("unit").order_by("on")
    return render(
        request,
        "observation/practice_detail.html",
        {"practice": practice, "replications": replications, "can_manage": can_manage, "form": form},
    )
