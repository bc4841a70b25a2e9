"""Attendance pages (R-S3): the sheet, added attendees, closing, make-up study, the QR code
and the member's check-in."""

from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.transitions import available_step_names
from pangting.core.views import seen_version
from pangting.orgs.models import Person

from .. import rules, services
from ..forms import AddAttendeeForm, MakeupForm
from ..models import Attendance
from ..parameters import get_parameters
from ._common import A, _error_text, _form_errors, _session_for


@login_required
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretary's attendance sheet: present / leave with reason / absent; corrections keep history."""
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    rows = list(session.attendances.select_related("person").order_by("person__name"))
    if request.method == "POST":
        entries = []
        for row in rows:
            status = request.POST.get(f"status_{row.pk}", row.status)
            reason = request.POST.get(f"reason_{row.pk}", "")
            if status != row.status or (status == Attendance.Status.LEAVE and reason.strip() != row.leave_reason):
                entries.append((row.person, status, reason))
        try:
            services.record_attendance_sheet(session, entries, actor=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request, _("已保存{count}人的出勤变更。").format(count=len(entries)) if entries else _("出勤没有变化。")
            )
            return redirect("study:session_attendance", pk=session.pk)
    session._prefetched_objects_cache = {
        "attendances": rows,
        "agenda_items": list(session.agenda_items.all()),
        "speeches": [],
        "reschedules": [],
    }
    facts = services.session_facts(session)
    group_people = Person.objects.for_user(request.user, A.STUDY_CHANGE).exclude(pk__in=[r.person_id for r in rows])
    if session.group_id:
        group_people = group_people.filter(group_memberships__group=session.group).distinct()
    else:
        group_people = group_people.filter(organization__path__startswith=session.organization.path)
    return render(
        request,
        "study/session_attendance.html",
        {
            "session": session,
            "rows": rows,
            "facts": facts,
            "rate_text": rules.format_rate(facts.participation_rate),
            "params": get_parameters(),
            "statuses": Attendance.Status.choices,
            "add_form": AddAttendeeForm(people=group_people),
            "makeup_form": MakeupForm(initial={"makeup_done_on": clock.today()}),
            "steps": available_step_names(session, request.user),
        },
    )


@login_required
@require_POST
def session_add_attendee(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    form = AddAttendeeForm(request.POST, people=Person.objects.for_user(request.user, A.STUDY_CHANGE))
    try:
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        services.add_attendee(session, form.cleaned_data["person"], actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已加入应到人员名单。"))
    return redirect("study:session_attendance", pk=session.pk)


@login_required
@require_POST
def session_close_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    try:
        services.close_attendance(session, actor=request.user, expected_version=seen_version(request))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("考勤已确认，未签到人员记为缺席；如需更正仍可手工修改（留有记录）。"))
    return redirect("study:session_detail", pk=session.pk)


@login_required
@require_POST
def attendance_makeup(request: HttpRequest, pk: int) -> HttpResponse:
    """R-S3: make-up study for someone on leave."""
    attendance = policy.get_for_user(Attendance.objects.select_related("session"), request.user, pk, A.STUDY_CHANGE)
    form = MakeupForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        services.record_makeup(
            attendance,
            actor=request.user,
            done_on=form.cleaned_data["makeup_done_on"],
            note=form.cleaned_data["makeup_note"],
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("补学情况已登记。"))
    return redirect("study:session_attendance", pk=attendance.session_id)


@login_required
def session_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The check-in QR code as SVG, for the secretary to show on screen."""
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    url = request.build_absolute_uri(reverse("study:checkin", args=[session.pk, services.checkin_token(session)]))
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=6, border=2, xmldecl=False)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"  # the code changes when the session is rescheduled
    return response


@login_required
def checkin(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """A member scanned the QR code: confirm to check in (a POST, so a link preview cannot)."""
    session = _session_for(request.user, pk, A.STUDY_PARTICIPATE)
    person = getattr(request.user, "person", None)
    mine = session.attendances.filter(person=person).first() if person else None
    problem = None
    if request.method == "POST":
        try:
            mine = services.check_in(session, token, user=request.user)
        except ValidationError as error:
            problem = _error_text(error)
        else:
            messages.success(request, _("签到成功。"))
            return redirect("study:checkin", pk=session.pk, token=token)
    elif not (mine and mine.status == Attendance.Status.PRESENT):
        try:
            services.verify_checkin(session, token)
        except ValidationError as error:
            problem = _error_text(error)
    return render(request, "study/checkin.html", {"session": session, "mine": mine, "problem": problem})
