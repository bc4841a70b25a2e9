"""Attendance pages (R-S3): the sheet, added attendees, closing, make-up study, the QR code
and the member's check-in."""

from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
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
from ..models import Attendance, StudySession
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
            # The same people the adding accepts (study.change): a member, or someone outside the
            # group who sits in (R-S20), searched by name or staff number (issue 15).
            "add_form": AddAttendeeForm(people=Person.objects.for_user(request.user, A.STUDY_CHANGE)),
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
        if form.cleaned_data["as_observer"]:  # R-S20
            services.add_observer(session, form.cleaned_data["person"], actor=request.user)
        else:
            services.add_attendee(session, form.cleaned_data["person"], actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("已登记为列席人员。") if form.cleaned_data["as_observer"] else _("已加入应到人员名单。")
        )
    return redirect("study:session_attendance", pk=session.pk)


@login_required
@require_POST
def session_all_present(request: HttpRequest, pk: int) -> HttpResponse:
    """ "全部出席": one action marks everyone not on leave present (R-S3)."""
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    try:
        count = services.mark_all_present(session, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已将{count}人登记为出席；请假人员不变。").format(count=count))
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


CHECKIN_TICKET_KEY = "study.checkin_ticket"  # the scan's ticket, kept in the browser's session through login


def _qr_svg(url: str, scale: int = 6) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=False)
    return buffer.getvalue()


def _code_url(request: HttpRequest, session: StudySession) -> str:
    return request.build_absolute_uri(reverse("study:checkin", args=[session.pk, services.checkin_code(session)]))


@login_required
def session_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The check-in QR code of the current time step as SVG (it changes every step, R-S3)."""
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    response = HttpResponse(_qr_svg(_code_url(request, session)), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"  # a new code every step
    return response


@login_required
def session_display(request: HttpRequest, pk: int) -> HttpResponse:
    """The full-screen page for the room's screen: the code changes every step, with a countdown."""
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    params = get_parameters()
    opens, closes = services.checkin_window(session, params)
    return render(
        request,
        "study/checkin_display.html",
        {"session": session, "params": params, "opens": opens, "closes": closes},
    )


@login_required
def session_display_state(request: HttpRequest, pk: int) -> JsonResponse:
    """What the display page needs each step: the code's step, the seconds left and the image to load."""
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    params = get_parameters()
    now = clock.now()
    step = services.checkin_step(now, params)
    response = JsonResponse(
        {
            "step": step,
            "seconds_left": services.code_seconds_left(now, params),
            "step_seconds": params.checkin_step_seconds,
            "qr": f"{reverse('study:session_qr', args=[session.pk])}?step={step}",
        }
    )
    response["Cache-Control"] = "no-store"
    return response


def checkin(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """A scan of the screen's code: check the code now, keep a short ticket, then finish the check-in.

    Signed-in members reach the session through the policy (others: 404). A visitor who is not
    signed in is vouched for by the code alone (it names the session and the current time
    step): the ticket goes into the browser's session and the login page says what it is for.
    A link preview that fetches the URL only gets a ticket in its own session; nothing is saved.
    """
    if request.user.is_authenticated:
        session: StudySession | None = _session_for(request.user, pk, A.STUDY_PARTICIPATE)
    else:
        session = StudySession.objects.filter(pk=pk, deleted_at__isnull=True).first()
    problem = None
    if session is None:
        problem = _("签到码无效，请扫描会场屏幕上的二维码。")
    else:
        try:
            ticket = services.issue_checkin_ticket(session, token)
        except ValidationError as error:
            problem = _error_text(error)
        else:
            request.session[CHECKIN_TICKET_KEY] = ticket
            return redirect("study:checkin_confirm", pk=session.pk)
    # Without a valid code a visitor learns nothing about the session.
    shown = session if request.user.is_authenticated else None
    return render(request, "study/checkin.html", {"session": shown, "mine": None, "problem": problem})


@login_required
def checkin_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Finish the check-in from the scan's ticket (right after the scan, or after logging in)."""
    session = _session_for(request.user, pk, A.STUDY_PARTICIPATE)
    person = getattr(request.user, "person", None)
    mine = session.attendances.filter(person=person).first() if person else None
    problem = None
    ticket = request.session.get(CHECKIN_TICKET_KEY)
    if ticket and services.ticket_session_id(ticket) == session.pk:
        del request.session[CHECKIN_TICKET_KEY]  # one ticket, one attempt
        try:
            mine = services.check_in_with_ticket(session, ticket, user=request.user)
        except ValidationError as error:
            problem = _error_text(error)
        else:
            messages.success(request, _("签到成功。"))
    elif not (mine and mine.status == Attendance.Status.PRESENT):
        problem = _("请扫描会场屏幕上的签到二维码。")
    return render(request, "study/checkin.html", {"session": session, "mine": mine, "problem": problem})


def login_notice(request: HttpRequest) -> str:
    """The login page's check-in context: which session the scan was for (registered in StudyConfig)."""
    ticket = request.session.get(CHECKIN_TICKET_KEY) if hasattr(request, "session") else None
    session_id = services.ticket_session_id(ticket) if ticket else None
    if session_id is None:
        return ""
    session = StudySession.objects.filter(pk=session_id, deleted_at__isnull=True).first()
    if session is None:
        return ""
    return render_to_string("study/_checkin_login_notice.html", {"session": session}, request=request)


@login_required
@require_POST
def session_paper_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """R-S3: the secretary records who signed the paper sign-in sheet, with its scan if at hand."""
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    ids = {int(i) for i in request.POST.getlist("person") if i.isdigit()}
    people = list(
        Person.objects.for_user(request.user, A.STUDY_CHANGE).filter(pk__in=ids, attendances__session=session)
    )
    try:
        if len(people) != len(ids):
            raise ValidationError(_("所选人员不在本次学习会的应到人员名单中。"))
        rows = services.record_paper_sheet(session, people, actor=request.user, scan=request.FILES.get("scan"))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已按纸质签到表登记{count}人出席。").format(count=len(rows)))
    return redirect("study:session_attendance", pk=session.pk)
