"""Study pages for the secretary, the member and the supervisor.

Views parse, check access through the policy (forbidden answers 404), call one service and
render. Rule IDs mark the pages where a rule becomes visible.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import io
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.orgs.models import Organization, OrganizationKind, Person

from . import documents, ics, rules, services
from .forms import (
    AddAttendeeForm,
    AgendaFormSet,
    AttachmentForm,
    MakeupForm,
    PlanForm,
    ReasonForm,
    ReflectionForm,
    RescheduleForm,
    SelfStudyPlanForm,
    SelfStudyRecordForm,
    SessionFilterForm,
    SessionForm,
    SpeakerFormSet,
    ThemeFormSet,
    TrainingForm,
    VettingForm,
)
from .models import (
    AgendaItem,
    Attachment,
    Attendance,
    PlanKind,
    PlanTheme,
    Reflection,
    SecretaryTraining,
    SelfStudyPlan,
    SelfStudyRecord,
    SessionKind,
    Speech,
    StudyPlan,
    StudySession,
)
from .parameters import get_parameters

A = policy.Action


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _error_text(error: ValidationError) -> str:
    return "；".join(error.messages)


def _form_errors(form: Any) -> str:
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


def _session_for(user: Any, pk: int, action: A = A.STUDY_VIEW) -> StudySession:
    qs = StudySession.objects.select_related("organization", "group", "host", "led_by", "plan_theme__plan")
    return policy.get_for_user(qs, user, pk, action)


# --- session lists ---------------------------------------------------------------------------


def _filtered_sessions(user: Any, data: Any) -> tuple[Any, SessionFilterForm]:
    """Sessions the user reaches, filtered by the supervisor's criteria (all in the database)."""
    organizations = Organization.objects.for_user(user, A.STUDY_VIEW).only("pk", "name", "depth")
    form = SessionFilterForm(data or None, organizations=organizations)
    qs = StudySession.objects.for_user(user)
    if form.is_valid():
        d = form.cleaned_data
        if d["org"]:
            qs = qs.filter(organization__path__startswith=d["org"].path)
        if d["kind"]:
            qs = qs.filter(kind=d["kind"])
        if d["status"]:
            qs = qs.filter(status=d["status"])
        if d["year"]:
            qs = qs.filter(starts_at__year=d["year"])
        if d["month"]:
            qs = qs.filter(starts_at__month=d["month"])
        qs = _flag_filter(qs, d["flag"])
    return qs, form


def _flag_filter(qs: Any, flag: str) -> Any:
    today = timezone.localdate()
    if flag == "low_rate":
        # R-S3, compared exactly: present × q < expected × p for a threshold p/q.
        threshold = get_parameters().participation_threshold
        alive = Q(attendances__deleted_at__isnull=True)
        qs = (
            qs.annotate(
                n_expected=Count("attendances", filter=alive),
                n_present=Count("attendances", filter=alive & Q(attendances__status=Attendance.Status.PRESENT)),
            )
            .alias(
                lhs=F("n_present") * threshold.denominator,
                rhs=F("n_expected") * threshold.numerator,
            )
            .filter(status=StudySession.Status.HELD, n_expected__gt=0, lhs__lt=F("rhs"))
        )
    elif flag == "late":
        late_arrangement = Q(arrangement_due__isnull=False) & (
            Q(arrangement_submitted_at__isnull=True, arrangement_due__lt=today)
            | Q(arrangement_submitted_at__date__gt=F("arrangement_due"))
        )
        late_report = Q(report_due__isnull=False) & (
            Q(report_submitted_at__isnull=True, report_due__lt=today) | Q(report_submitted_at__date__gt=F("report_due"))
        )
        qs = qs.exclude(status=StudySession.Status.CANCELLED).filter(late_arrangement | late_report)
    elif flag == "no_first_item":
        first = AgendaItem.objects.filter(
            session=OuterRef("pk"), kind=AgendaItem.Kind.FIRST_ITEM, deleted_at__isnull=True
        )
        qs = qs.filter(kind=SessionKind.CENTER_GROUP).exclude(Exists(first))
    elif flag == "work_meeting":
        alive = Q(agenda_items__deleted_at__isnull=True)
        qs = qs.annotate(
            n_theory=Count("agenda_items", filter=alive & Q(agenda_items__kind__in=list(rules.THEORY_KINDS))),
            n_business=Count("agenda_items", filter=alive & Q(agenda_items__kind=AgendaItem.Kind.BUSINESS)),
        ).filter(Q(n_theory=0) | Q(n_business__gt=F("n_theory")))
    elif flag == "rescheduled":
        qs = qs.annotate(n_reschedules=Count("reschedules", filter=Q(reschedules__deleted_at__isnull=True))).filter(
            n_reschedules__gte=2
        )
    return qs


def _with_facts(sessions: list[StudySession]) -> list[tuple[StudySession, services.SessionFacts]]:
    params = get_parameters()
    services.annotate_leaders(sessions)
    today = timezone.localdate()
    return [(s, services.session_facts(s, params=params, today=today)) for s in sessions]


LIST_PREFETCH = ("attendances", "agenda_items", "speeches", "reschedules")


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    """Secretary: the unit's sessions; supervisor: all units' sessions, filterable (R-S2 … R-S12)."""
    policy.require(request.user, A.STUDY_VIEW)
    qs, form = _filtered_sessions(request.user, request.GET)
    qs = qs.select_related("organization").prefetch_related(*LIST_PREFETCH).order_by("-starts_at")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "study/session_list.html",
        {
            "rows": _with_facts(list(page.object_list)),
            "page_obj": page,
            "form": form,
            "query_string": query_string.urlencode(),
            "can_change": policy.can(request.user, A.STUDY_CHANGE),
            "params": get_parameters(),
        },
    )


@login_required
def session_calendar(request: HttpRequest) -> HttpResponse:
    """A month grid of the sessions the user reaches (the secretary's calendar)."""
    policy.require(request.user, A.STUDY_VIEW)
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in request.GET.get("month", f"{today.year}-{today.month}").split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start = timezone.make_aware(dt.datetime.combine(weeks[0][0], dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(weeks[-1][-1], dt.time.max))
    sessions = StudySession.objects.for_user(request.user).filter(starts_at__range=(start, end))
    by_day: dict[dt.date, list[StudySession]] = {}
    for s in sessions.select_related("organization").order_by("starts_at"):
        by_day.setdefault(timezone.localdate(s.starts_at), []).append(s)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "study/session_calendar.html",
        {
            "first": first,
            "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
            "previous": f"{previous.year}-{previous.month}",
            "following": f"{following.year}-{following.month}",
            "today": today,
            "can_change": policy.can(request.user, A.STUDY_CHANGE),
        },
    )


# --- one session -----------------------------------------------------------------------------


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for(request.user, pk)
    attendances = list(session.attendances.select_related("person").order_by("person__name"))
    session._prefetched_objects_cache = {
        "attendances": attendances,
        "agenda_items": list(session.agenda_items.all()),
        "speeches": list(session.speeches.select_related("person")),
        "reschedules": list(session.reschedules.select_related("actor")),
    }
    can_change = policy.can(request.user, A.STUDY_CHANGE, session.organization)
    person = getattr(request.user, "person", None)
    mine = next((a for a in attendances if person and a.person_id == person.pk), None)
    params = get_parameters()
    facts = services.session_facts(session, params=params)
    checkin_url = None
    if can_change and session.status == StudySession.Status.PLANNED:
        checkin_url = request.build_absolute_uri(
            reverse("study:checkin", args=[session.pk, services.checkin_token(session)])
        )
    opens, closes = services.checkin_window(session, params)
    return render(
        request,
        "study/session_detail.html",
        {
            "session": session,
            "facts": facts,
            "rate_text": rules.format_rate(facts.participation_rate),
            "params": params,
            "attendances": attendances,
            "agenda": session._prefetched_objects_cache["agenda_items"],
            "speeches": session._prefetched_objects_cache["speeches"],
            "reschedules": session._prefetched_objects_cache["reschedules"],
            "attachments": session.attachments.select_related("uploaded_by"),
            "can_change": can_change,
            "mine": mine,
            "checkin_url": checkin_url,
            "checkin_opens": opens,
            "checkin_closes": closes,
            "attachment_form": AttachmentForm() if can_change else None,
            "today": timezone.localdate(),
            "now": timezone.now(),
        },
    )


def _agenda_initial(session: StudySession | None) -> list[dict[str, Any]]:
    if session is None:
        return [
            {"kind": AgendaItem.Kind.FIRST_ITEM},
            {"kind": AgendaItem.Kind.THEORY},
            {"kind": AgendaItem.Kind.DISCUSSION},
            {"kind": AgendaItem.Kind.THEORY},
        ]
    rows = [{"kind": i.kind, "title": i.title, "presenter": i.presenter} for i in session.agenda_items.all()]
    return [*rows, {"kind": AgendaItem.Kind.THEORY}, {"kind": AgendaItem.Kind.DISCUSSION}]


def _speaker_initial(session: StudySession | None) -> list[dict[str, Any]]:
    rows = []
    if session is not None:
        rows = [
            {
                "id": s.pk,
                "person": s.person_id,
                "speaker_name": s.speaker_name,
                "post": s.post,
                "outline": s.outline,
                "written_text": s.written_text,
            }
            for s in session.speeches.all()
        ]
    return rows + [{} for _ in range(3 if session is None else 2)]


@login_required
def session_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a session with its agenda and speakers (the fields of both seed forms)."""
    session = _session_for(request.user, pk, A.STUDY_CHANGE) if pk else None
    policy.require(request.user, A.STUDY_CHANGE)
    organizations = Organization.objects.for_user(request.user, A.STUDY_CHANGE)
    people = Person.objects.for_user(request.user, A.STUDY_CHANGE).select_related("organization")
    year = timezone.localdate().year
    themes = (
        PlanTheme.objects.for_user(request.user, A.STUDY_CHANGE)
        .filter(plan__year__in=[year - 1, year, year + 1])
        .select_related("plan")
    )
    initial = None
    if session is None:
        initial = {"organization": request.GET.get("org"), "kind": request.GET.get("kind", SessionKind.CENTER_GROUP)}
    data = request.POST if request.method == "POST" else None
    form = SessionForm(
        data, instance=session, initial=initial, organizations=organizations, people=people, themes=themes
    )
    agenda = AgendaFormSet(data, prefix="agenda", initial=_agenda_initial(session))
    speakers = SpeakerFormSet(
        data, request.FILES or None, prefix="speakers", initial=_speaker_initial(session),
        form_kwargs={"people": people},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid() and agenda.is_valid() and speakers.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("organization", "kind")}
        agenda_rows = [f.cleaned_data for f in agenda.forms if f.cleaned_data.get("title")]
        speaker_rows = [
            f.cleaned_data for f in speakers.forms if f.cleaned_data.get("speaker_name") or f.cleaned_data.get("person")
        ]
        try:
            if session is None:
                session = services.create_session(
                    actor=request.user,
                    organization=form.cleaned_data["organization"],
                    kind=form.cleaned_data["kind"],
                    agenda=agenda_rows,
                    speakers=speaker_rows,
                    **fields,
                )
                messages.success(request, f"学习会“{session.title}”已创建。")
            else:
                services.update_session(
                    session, actor=request.user, agenda=agenda_rows, speakers=speaker_rows, **fields
                )
                messages.success(request, "学习会已保存。")
        except ValidationError as error:
            _add_errors(form, error)
            if session is not None and session.pk is None:
                session = None
        else:
            return redirect("study:session_detail", pk=session.pk)
    return render(
        request,
        "study/session_form.html",
        {"form": form, "agenda": agenda, "speakers": speakers, "session": session},
    )


@login_required
def session_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """R-S11: every reschedule is kept with its reason."""
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    form = RescheduleForm(
        request.POST or None,
        initial={"starts_at": timezone.localtime(session.starts_at), "ends_at": timezone.localtime(session.ends_at)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reschedule_session(session, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "已改期，原时间和原因已记录；旧的签到二维码已失效。")
            return redirect("study:session_detail", pk=session.pk)
    return render(request, "study/session_reschedule.html", {"form": form, "session": session})


@login_required
@require_POST
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("请填写取消原因。")
        services.cancel_session(session, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, "学习会已取消。")
    return redirect("study:session_detail", pk=session.pk)


@login_required
@require_POST
def session_vet(request: HttpRequest, pk: int) -> HttpResponse:
    """R-S9: record the vetting of an invited lecturer."""
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    form = VettingForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        services.vet_lecturer(session, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, "授课审核结果已记录。")
    return redirect("study:session_detail", pk=session.pk)


@login_required
@require_POST
def session_submit(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """R-S10: record that the arrangement form / the report was sent, with the date."""
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    service = {"arrangement": services.submit_arrangement, "report": services.submit_report}.get(what)
    if service is None:
        raise Http404
    try:
        service(session, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, "已报送，报送时间已记录。" if what == "report" else "学习安排报送表已报送联系校领导。"
        )
    return redirect("study:session_detail", pk=session.pk)


# --- attendance and check-in (R-S3) -----------------------------------------------------------


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
            messages.success(request, f"已保存{len(entries)}人的出勤变更。" if entries else "出勤没有变化。")
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
            "makeup_form": MakeupForm(initial={"makeup_done_on": timezone.localdate()}),
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
        messages.success(request, "已加入应到人员名单。")
    return redirect("study:session_attendance", pk=session.pk)


@login_required
@require_POST
def session_close_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    try:
        services.close_attendance(session, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, "考勤已确认，未签到人员记为缺席；如需更正仍可手工修改（留有记录）。")
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
        messages.success(request, "补学情况已登记。")
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
            messages.success(request, "签到成功。")
            return redirect("study:checkin", pk=session.pk, token=token)
    elif not (mine and mine.status == Attendance.Status.PRESENT):
        try:
            services.verify_checkin(session, token)
        except ValidationError as error:
            problem = _error_text(error)
    return render(request, "study/checkin.html", {"session": session, "mine": mine, "problem": problem})


# --- attachments and documents ----------------------------------------------------------------


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Minutes and materials (R-S14); size and type checked; no classified material."""
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    form = AttachmentForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        services.add_attachment(session, form.cleaned_data["file"], actor=request.user, kind=form.cleaned_data["kind"])
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, "附件已上传。")
    return redirect("study:session_detail", pk=session.pk)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = policy.get_for_user(Attachment, request.user, pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = policy.get_for_user(Attachment, request.user, pk, A.STUDY_CHANGE)
    services.delete_attachment(attachment, actor=request.user)
    messages.success(request, f"附件“{attachment.original_name}”已删除（可由管理员恢复）。")
    return redirect("study:session_detail", pk=attachment.session_id)


@login_required
def speech_file(request: HttpRequest, pk: int) -> FileResponse:
    speech = policy.get_for_user(Speech, request.user, pk)
    if not speech.file:
        raise Http404
    return FileResponse(speech.file.open("rb"), as_attachment=True, filename=speech.file.name.rsplit("/", 1)[-1])


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def session_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """学习会方案 (seed 000) or 学习安排报送表 (seed 001) as a Word file."""
    session = _session_for(request.user, pk)
    builders = {"plan": documents.session_plan_docx, "arrangement": documents.arrangement_form_docx}
    if kind not in builders:
        raise Http404
    response = HttpResponse(builders[kind](session), content_type=DOCX)
    from urllib.parse import quote

    name = documents.document_filename(session, kind)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def my_calendar_ics(request: HttpRequest) -> HttpResponse:
    """ICS feed of the user's sessions: those they are expected at, and those they manage."""
    person = getattr(request.user, "person", None)
    mine = Q(attendances__person=person, attendances__deleted_at__isnull=True) if person else Q(pk__in=[])
    managed = StudySession.objects.for_user(request.user, A.STUDY_CHANGE).values("pk")
    since = timezone.now() - dt.timedelta(days=400)
    sessions = (
        StudySession.objects.for_user(request.user)
        .filter(mine | Q(pk__in=managed), starts_at__gte=since)
        .distinct()
        .select_related("organization", "host")
        .annotate(reschedule_total=Count("reschedules", distinct=True))
        .order_by("starts_at")
    )
    body = ics.sessions_ics(sessions, host=request.get_host().split(":")[0], calendar_name="我的学习会")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pangting-study.ics"'
    return response


# --- the member's page (R-S6, R-S7, R-S13) -------------------------------------------------------


@login_required
def my_study(request: HttpRequest) -> HttpResponse:
    """My sessions, check-in status, my speeches, my self-study plan and records, reflections."""
    policy.require(request.user, A.STUDY_PARTICIPATE)
    person = getattr(request.user, "person", None)
    year = timezone.localdate().year
    context: dict[str, Any] = {"person": person, "year": year}
    if person is not None:
        mine = (
            Attendance.objects.filter(person=person, session__deleted_at__isnull=True)
            .select_related("session__organization")
            .order_by("-session__starts_at")
        )
        now = timezone.now()
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
                    initial={"year": year, "goals": plan.goals if plan else "", "tasks": plan.tasks if plan else ""}
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
        messages.success(request, "个人自学计划已保存。")
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
        messages.success(request, "自学记录已保存。")
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
        messages.success(request, "已保存。")
    return redirect("study:my_study")


# --- annual plans (R-S1, R-B5) ------------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """Plans of the year with late and missing ones visible (R-S1)."""
    policy.require(request.user, A.STUDY_VIEW)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    plans = list(
        StudyPlan.objects.for_user(request.user)
        .filter(year=year)
        .select_related("organization")
        .annotate(theme_count=Count("themes", filter=Q(themes__deleted_at__isnull=True)))
        .order_by("organization__path", "kind")
    )
    with_plan = {p.organization_id for p in plans if p.kind == PlanKind.CENTER_GROUP}
    units = Organization.objects.for_user(request.user).filter(parent__isnull=False, study_group__isnull=False)
    missing = [u for u in units if u.pk not in with_plan]
    due = services.plan_due_on(year)
    return render(
        request,
        "study/plan_list.html",
        {
            "plans": plans,
            "missing": missing,
            "year": year,
            "due": due,
            "past_due": today > due,
            "can_change": policy.can(request.user, A.STUDY_CHANGE),
        },
    )


def _theme_rows(formset: Any) -> list[dict[str, Any]]:
    return [f.cleaned_data for f in formset.forms if f.cleaned_data.get("theme")]


@login_required
def plan_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    plan = policy.get_for_user(StudyPlan, request.user, pk, A.STUDY_CHANGE) if pk else None
    policy.require(request.user, A.STUDY_CHANGE)
    organizations = Organization.objects.for_user(request.user, A.STUDY_CHANGE)
    initial: dict[str, Any] = {
        "year": timezone.localdate().year,
        "kind": request.GET.get("kind", PlanKind.CENTER_GROUP),
    }
    themes_initial: list[dict[str, Any]] = [{"period_kind": "month", "period": m} for m in range(1, 13)]
    if plan is not None:
        initial = {"organization": plan.organization_id, "year": plan.year, "kind": plan.kind, "title": plan.title,
                   "note": plan.note}  # fmt: skip
        themes_initial = [
            {"period_kind": t.period_kind, "period": t.period, "theme": t.theme, "materials": t.materials}
            for t in plan.themes.all()
        ] + [{"period_kind": "month"}]
    form = PlanForm(request.POST or None, organizations=organizations, initial=initial, editing=plan is not None)
    themes = ThemeFormSet(request.POST or None, prefix="themes", initial=themes_initial)
    if request.method == "POST" and form.is_valid() and themes.is_valid():
        d = form.cleaned_data
        try:
            if plan is None:
                plan = services.create_plan(
                    d["organization"], actor=request.user, year=d["year"], kind=d["kind"], title=d["title"],
                    note=d["note"], themes=_theme_rows(themes),
                )  # fmt: skip
            else:
                services.update_plan(
                    plan, actor=request.user, title=d["title"], note=d["note"], themes=_theme_rows(themes)
                )
        except ValidationError as error:
            _add_errors(form, error)
            if plan is not None and plan.pk is None:
                plan = None
        else:
            messages.success(request, "学习计划已保存。")
            return redirect("study:plan_detail", pk=plan.pk)
    return render(request, "study/plan_form.html", {"form": form, "themes": themes, "plan": plan})


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = policy.get_for_user(StudyPlan.objects.select_related("organization"), request.user, pk)
    themes = plan.themes.annotate(session_count=Count("sessions", filter=Q(sessions__deleted_at__isnull=True)))
    return render(
        request,
        "study/plan_detail.html",
        {
            "plan": plan,
            "themes": themes,
            "can_change": policy.can(request.user, A.STUDY_CHANGE, plan.organization),
            "can_supervise": policy.can(request.user, A.STUDY_SUPERVISE, plan.organization),
            "return_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def plan_transition(request: HttpRequest, pk: int, to: str) -> HttpResponse:
    """Submit (secretary), acknowledge or return (supervisor); the table is services.PLAN_TRANSITIONS."""
    plan = policy.get_for_user(StudyPlan, request.user, pk)
    if to not in StudyPlan.Status.values:
        raise Http404
    needed = {a for (_, target), a in services.PLAN_TRANSITIONS.items() if target == to}
    if not any(policy.can(request.user, action, plan.organization) for action in needed):
        raise Http404
    try:
        services.transition_plan(plan, to, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, f"计划已{StudyPlan.Status(to).label}。")
    return redirect("study:plan_detail", pk=plan.pk)


# --- branches' 三会一课 (R-B1 … R-B6) -----------------------------------------------------------


@login_required
def branch_overview(request: HttpRequest) -> HttpResponse:
    """Frequency of 三会一课 per branch and of center-group sessions per unit, with R-B3/5/6 per unit."""
    policy.require(request.user, A.STUDY_VIEW)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    reached = list(
        Organization.objects.for_user(request.user)
        .filter(kind__in=[OrganizationKind.BRANCH, OrganizationKind.PARTY_COMMITTEE, OrganizationKind.GENERAL_BRANCH])
        .select_related("study_group")
        .order_by("path")
    )
    results = services.frequency_report(reached, year, today=today)
    by_org: dict[int, list[services.RuleResult]] = {}
    for result in results:
        by_org.setdefault(result.organization.pk, []).append(result)
    rows = [(org, by_org[org.pk]) for org in reached if org.pk in by_org]
    units = [o for o in reached if o.parent_id is not None and o.kind != OrganizationKind.BRANCH]
    summaries = [services.unit_branch_summary(u, year, today=today) for u in units[:40]]
    return render(
        request,
        "study/branch_overview.html",
        {"rows": rows, "summaries": summaries, "year": year, "can_change": policy.can(request.user, A.STUDY_CHANGE)},
    )


@login_required
def training_list(request: HttpRequest) -> HttpResponse:
    """R-B6: secretary training by the unit-level organization."""
    policy.require(request.user, A.STUDY_VIEW)
    trainings = (
        SecretaryTraining.objects.for_user(request.user).select_related("organization").prefetch_related("trainees")
    )
    form = None
    if policy.can(request.user, A.STUDY_CHANGE):
        form = TrainingForm(
            request.POST or None,
            organizations=Organization.objects.for_user(request.user, A.STUDY_CHANGE),
            people=Person.objects.for_user(request.user, A.STUDY_CHANGE).filter(
                organization__kind=OrganizationKind.BRANCH
            ),
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.record_training(form.cleaned_data.pop("organization"), actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, "培训已记录。")
                return redirect("study:training_list")
    elif request.method == "POST":
        raise Http404
    return render(request, "study/training_list.html", {"trainings": trainings[:100], "form": form})
