"""Rectification pages (R-O10, R-O25): the list, one item, a problem-list item without a visit,
and evidence downloads. Every query goes through the policy: an item is scoped by its unit."""

from __future__ import annotations

import os
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.db.models.functions import Coalesce, ExtractYear
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.ordering import current_year_first
from pangting.core.views import flash_errors, parse_year, seen_version
from pangting.orgs.models import Organization
from pangting.orgs.units import units as unit_set
from pangting.workdays.services import describe_basis

from . import rectification, services
from .forms import EvidenceForm, ProblemItemForm, RectificationPlanForm, RectificationReportForm, VerifyForm
from .models import Evidence, Rectification

A = policy.Action


def _item_units(user: Any) -> Any:
    """The units where `user` may open a problem-list item: its own (reply) or supervised (manage)."""
    reply = Organization.objects.for_user(user, A.OBSERVATION_REPLY)
    manage = Organization.objects.for_user(user, A.OBSERVATION_MANAGE)
    return unit_set(Organization.objects.filter(Q(pk__in=reply.values("pk")) | Q(pk__in=manage.values("pk"))))


@login_required
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = policy.get_for_user(Rectification.objects.select_related("unit", "visit__unit", "owner"), request.user, pk)
    unit = item.unit
    can_reply = policy.can(request.user, A.OBSERVATION_REPLY, unit)
    can_manage = policy.can(request.user, A.OBSERVATION_MANAGE, unit)
    step = request.POST.get("step") if request.method == "POST" else None
    plan_form = RectificationPlanForm(
        request.POST if step == "plan" else None,
        people=policy.owner_choices(request.user, unit),
        unit=unit,
        initial={"measure": item.measure, "owner": item.owner_id, "deadline": item.deadline},
    )
    report_form = RectificationReportForm(request.POST if step == "report" else None)
    evidence_form = EvidenceForm(
        request.POST if step == "evidence" else None, request.FILES if step == "evidence" else None
    )
    verify_form = VerifyForm(request.POST if step == "verify" else None)
    if request.method == "POST":
        try:
            if step == "plan" and (can_reply or can_manage) and plan_form.is_valid():
                data = plan_form.cleaned_data
                services.plan_rectification(
                    item, actor=request.user, measure=data["measure"], owner=data["owner"], deadline=data["deadline"],
                    expected_version=seen_version(request),
                )  # fmt: skip
            elif step == "report" and can_reply and report_form.is_valid():
                services.report_rectification(
                    item,
                    actor=request.user,
                    report=report_form.cleaned_data["unit_report"],
                    expected_version=seen_version(request),
                )
            elif step == "evidence" and can_reply and evidence_form.is_valid():
                services.add_evidence(item, evidence_form.cleaned_data["file"], actor=request.user)
            elif step == "verify" and can_manage and verify_form.is_valid():
                services.verify_rectification(
                    item,
                    actor=request.user,
                    expected_version=seen_version(request),
                    accept=verify_form.cleaned_data["accept"],
                    note=verify_form.cleaned_data["note"],
                )
            else:
                raise ValidationError(_("提交的内容不完整，请检查后重试。"))
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("observation:rectification_detail", pk=item.pk)
    return render(
        request,
        "observation/rectification_detail.html",
        {
            "item": item,
            "unit": unit,
            "basis": describe_basis(item.deadline_basis),
            "escalation": rectification.escalation(item),
            "evidence": item.evidence.filter(deleted_at__isnull=True).select_related("uploaded_by"),
            "can_reply": can_reply,
            "can_manage": can_manage,
            "plan_form": plan_form,
            "report_form": report_form,
            "evidence_form": evidence_form,
            "verify_form": verify_form,
        },
    )


@login_required
def rectification_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.OBSERVATION_VIEW)
    items = (
        Rectification.objects.for_user(request.user)
        .select_related("unit", "owner")
        .alias(year_of=Coalesce("visit__year", ExtractYear("created_at")))
    )
    status = request.GET.get("status", "")
    if status in Rectification.Status.values:
        items = items.filter(status=status)
    source = request.GET.get("source", "")
    if source in Rectification.Source.values:
        items = items.filter(source=source)
    year = parse_year(request.GET.get("year"))
    if year is not None:
        items = items.filter(year_of=year)
    items = current_year_first(items, "year_of", "deadline", "pk")  # issue 16
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "observation/rectification_list.html",
        {
            "page_obj": page,
            "status": status,
            "statuses": Rectification.Status.choices,
            "source": source,
            "sources": Rectification.Source.choices,
            "today": clock.today(),
            "year": year or "",
            "query_string": query.urlencode(),
            "can_open": _item_units(request.user).exists(),
        },
    )


@login_required
def problem_item_create(request: HttpRequest) -> HttpResponse:
    """R-O25: a unit or its supervisor puts a problem on the unit's own problem list."""
    units = _item_units(request.user)
    if not units.exists():
        raise Http404
    form = ProblemItemForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.open_problem_item(
                data["unit"], actor=request.user, problem=data["problem"], measure=data["measure"],
                deadline=data["deadline"],
            )  # fmt: skip
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("已列入问题清单。"))
            return redirect("observation:rectification_detail", pk=item.pk)
    return render(request, "observation/problem_item_form.html", {"form": form})


@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """A piece of evidence, for everyone who may see its item (scoped by the item's unit)."""
    evidence = policy.get_for_user(Evidence.objects.filter(rectification__deleted_at__isnull=True), request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError) as missing:
        raise Http404 from missing
    name = os.path.basename(evidence.original_name) or os.path.basename(evidence.file.name)
    return FileResponse(handle, as_attachment=True, filename=name)
