"""The member's page (R-S6, R-S7, R-S13): own sessions, self-study plan and records, reflections."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core import clock
from pangting.orgs.models import Person

from .. import services
from ..forms import ReflectionForm, SelfStudyPlanForm, SelfStudyRecordForm
from ..models import Attendance, Reflection, SelfStudyPlan, SelfStudyRecord, Speech, StudySession
from ._common import A, _error_text, _form_errors


@login_required
def my_study(request: HttpRequest) -> HttpResponse:
    """My sessions, check-in status, my speeches, my self-study plan and records, reflections."""
    policy.require(request.user, A.STUDY_PARTICIPATE)
    person = getattr(request.user, "person", None)
    year = clock.today().year
    context: dict[str, Any] = {"person": person, "year": year}
    if person is not None:
        mine = (
            Attendance.objects.filter(person=person, session__deleted_at__isnull=True)
            .select_related("session__organization")
            .order_by("-session__starts_at")
        )
        now = clock.now()
        sessions_qs = StudySession.objects.filter(attendances__person=person).distinct()
        plan = SelfStudyPlan.objects.filter(person=person, year=year).first()
        context.update(
            {
                "upcoming": [a for a in mine if a.session.ends_at >= now][:10],
                "past": [a for a in mine if a.session.ends_at < now][:20],
                "speeches": Speech.objects.filter(person=person)
                .select_related("session")
                .order_by("-session__starts_at")[:20],
                "self_plan": plan,
                "records": SelfStudyRecord.objects.filter(person=person).select_related("session")[:20],
                "reflections": Reflection.objects.filter(person=person).select_related("session")[:20],
                "plan_form": SelfStudyPlanForm(
                    initial={
                        "year": year,
                        "goals": plan.goals if plan else "",
                        "tasks": plan.tasks if plan else "",
                        # Without it, saving the goals would wipe the completion date (issue 10 item 5).
                        "completed_on": plan.completed_on if plan else None,
                    }
                ),
                "record_form": SelfStudyRecordForm(sessions=sessions_qs),
                "reflection_form": ReflectionForm(sessions=sessions_qs),
            }
        )
    return render(request, "study/my_study.html", context)


def _own_person(request: HttpRequest) -> Person:
    policy.require(request.user, A.STUDY_PARTICIPATE)
    person = getattr(request.user, "person", None)
    if person is None:
        raise Http404
    return person


@login_required
@require_POST
def self_plan_save(request: HttpRequest) -> HttpResponse:
    person = _own_person(request)
    form = SelfStudyPlanForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        services.save_self_study_plan(person, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("个人自学计划已保存。"))
    return redirect("study:my_study")


@login_required
@require_POST
def self_record_add(request: HttpRequest) -> HttpResponse:
    person = _own_person(request)
    form = SelfStudyRecordForm(request.POST, sessions=StudySession.objects.filter(attendances__person=person))
    try:
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        services.add_self_study_record(person, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("自学记录已保存。"))
    return redirect("study:my_study")


@login_required
@require_POST
def reflection_add(request: HttpRequest) -> HttpResponse:
    person = _own_person(request)
    form = ReflectionForm(request.POST, sessions=StudySession.objects.filter(attendances__person=person))
    try:
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        services.add_reflection(person, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已保存。"))
    return redirect("study:my_study")
