"""Entries the newly checked rules read: research before the session (R-S21), study outcomes (R-S19)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core.paging import paginate
from pangting.orgs.models import Organization, Person

from .. import services
from ..forms import CadreBranchForm, ConversionForm, OutcomeForm, ResearchForm
from ..models import CadreBranch, SessionResearch, StudyOutcome
from ._common import A, _error_text, _form_errors, _session_for


@login_required
@require_POST
def session_research_add(request: HttpRequest, pk: int) -> HttpResponse:
    """R-S21: name who researched what before the session."""
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    form = ResearchForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        services.add_research(session, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("会前调研已记录。"))
    return redirect("study:session_detail", pk=session.pk)


@login_required
@require_POST
def session_research_delete(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """R-S21: remove a research row entered by mistake (soft delete, history kept)."""
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    found = SessionResearch.objects.filter(session=session, pk=item).first()
    if found is None:
        raise Http404
    services.remove_research(found, actor=request.user)
    messages.success(request, _("会前调研已删除。"))
    return redirect("study:session_detail", pk=session.pk)


@login_required
def outcome_list(request: HttpRequest) -> HttpResponse:
    """R-S19: the units' study outcomes and their conversion, followed until converted."""
    policy.require(request.user, A.STUDY_VIEW)
    outcomes, query_string = paginate(  # issue 15: every list paginated, none silently cut
        request, StudyOutcome.objects.for_user(request.user).select_related("organization", "session")
    )
    form = None
    if policy.can(request.user, A.STUDY_CHANGE):
        form = OutcomeForm(
            request.POST or None, organizations=Organization.objects.for_user(request.user, A.STUDY_CHANGE)
        )
        if request.method == "POST":
            try:
                if not form.is_valid():
                    raise ValidationError(_form_errors(form))
                services.record_outcome(form.cleaned_data.pop("organization"), actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                messages.error(request, _error_text(error))
            else:
                messages.success(request, _("学习成果已记录。"))
                return redirect("study:outcome_list")
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "study/outcome_list.html",
        {
            "outcomes": outcomes,
            "page_obj": outcomes,
            "query_string": query_string,
            "form": form,
            "conversion_form": ConversionForm() if form else None,
        },
    )


@login_required
@require_POST
def outcome_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """R-S19: record the conversion of one outcome."""
    outcome = StudyOutcome.objects.for_user(request.user, A.STUDY_CHANGE).filter(pk=pk).first()
    if outcome is None:
        raise Http404
    form = ConversionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        services.record_conversion(
            outcome, actor=request.user, converted_on=form.cleaned_data["converted_on"], note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("转化情况已记录。"))
    return redirect("study:outcome_list")


@login_required
def cadre_branch_list(request: HttpRequest) -> HttpResponse:
    """R-B7 双重组织生活: which branch each leading cadre belongs to (his attendance there is checked)."""
    policy.require(request.user, A.STUDY_VIEW)
    links, query_string = paginate(
        request,
        CadreBranch.objects.for_user(request.user)
        .select_related("person", "branch")
        .order_by("person__name", "-since", "pk"),
    )
    form = None
    if policy.can(request.user, A.STUDY_CHANGE):
        form = CadreBranchForm(
            request.POST or None,
            people=Person.objects.for_user(request.user, A.STUDY_CHANGE),
            branches=policy.cadre_branch_choices(request.user),
        )
        if request.method == "POST":
            try:
                if not form.is_valid():
                    raise ValidationError(_form_errors(form))
                data = form.cleaned_data
                services.assign_cadre_branch(data["person"], data["branch"], actor=request.user, since=data["since"])
            except ValidationError as error:
                messages.error(request, _error_text(error))
            else:
                messages.success(request, _("所在党支部已登记。"))
                return redirect("study:cadre_branch_list")
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "study/cadre_branch_list.html",
        {"links": links, "page_obj": links, "query_string": query_string, "form": form},
    )
