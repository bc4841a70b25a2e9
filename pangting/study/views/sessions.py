"""Session pages: the list and calendar, one session, its form, reschedule, cancel, vetting
and submissions."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core import clock, deliveries
from pangting.core.ordering import CurrentYearFirst
from pangting.core.paging import paginate
from pangting.core.transitions import available_step_names
from pangting.core.views import seen_version
from pangting.orgs.models import Organization, Person

from .. import rules, services
from ..forms import (
    MAX_ROWS,
    AgendaFormSet,
    AttachmentForm,
    ReasonForm,
    RescheduleForm,
    ResearchForm,
    SessionFilterForm,
    SessionForm,
    SpeakerFormSet,
    VettingForm,
)
from ..models import AgendaItem, Attendance, PlanTheme, SessionKind, StudySession
from ..parameters import get_parameters
from ..services import deliveries as study_deliveries
from ._common import A, _add_errors, _error_text, _form_errors, _session_for


def _filtered_sessions(user: Any, data: Any) -> tuple[Any, SessionFilterForm]:
    """Sessions the user reaches, filtered by the supervisor's criteria (all in the database)."""
    organizations = Organization.objects.for_user(user, A.STUDY_VIEW)
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
    today = clock.today()
    if flag == "low_rate":
        # R-S3, compared exactly: present × q < expected × p for a threshold p/q.
        threshold = get_parameters().participation_threshold
        # R-S20: 列席 people do not count in the rate.
        alive = Q(attendances__deleted_at__isnull=True) & ~Q(attendances__role=Attendance.Role.OBSERVER)
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
    elif flag == "rescheduled":
        qs = qs.annotate(n_reschedules=Count("reschedules", filter=Q(reschedules__deleted_at__isnull=True))).filter(
            n_reschedules__gte=2
        )
    return qs


def _with_facts(sessions: list[StudySession]) -> list[tuple[StudySession, services.SessionFacts]]:
    params = get_parameters()
    services.annotate_leaders(sessions)
    today = clock.today()
    return [(s, services.session_facts(s, params=params, today=today)) for s in sessions]


LIST_PREFETCH = ("attendances", "agenda_items", "speeches", "reschedules")


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    """Secretary: the unit's sessions; supervisor: all units' sessions, filterable (R-S2 … R-S12)."""
    policy.require(request.user, A.STUDY_VIEW)
    qs, form = _filtered_sessions(request.user, request.GET)
    # Issue 16: sessions planned for next year do not push this year's to page 2. Issue 15: each
    # year's sessions are read by a range on `starts_at` (index `session_start`).
    rows = CurrentYearFirst(
        qs.select_related("organization").prefetch_related(*LIST_PREFETCH), "starts_at__year", "-starts_at", "-pk"
    )
    page, query_string = paginate(request, rows, 30)
    return render(
        request,
        "study/session_list.html",
        {
            "rows": _with_facts(list(page.object_list)),
            "page_obj": page,
            "form": form,
            "query_string": query_string,
            "can_change": policy.can(request.user, A.STUDY_CHANGE),
            "params": get_parameters(),
        },
    )


@login_required
def session_calendar(request: HttpRequest) -> HttpResponse:
    """A month grid of the sessions the user reaches (the secretary's calendar)."""
    policy.require(request.user, A.STUDY_VIEW)
    today = clock.today()
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
    # The step buttons come from the workflow (study/workflows.SESSION), as the API's list does.
    steps = available_step_names(session, request.user)
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
            "can_vet": bool(session.lecturer_name) and services.may_vet(request.user, session, params),  # R-S9
            "steps": steps,
            "mine": mine,
            "checkin_url": checkin_url,
            "checkin_opens": opens,
            "checkin_closes": closes,
            "attachment_form": AttachmentForm() if can_change else None,
            "research_items": session.research_items.select_related("person"),  # R-S21
            "research_form": ResearchForm() if can_change else None,
            "today": clock.today(),
            "now": clock.now(),
            "deliveries": delivery_rows(session, request.user) if session.is_center_group else [],
            "delivery_steps": study_deliveries.next_steps(session, request.user),
            # R-S15: the session plan's approval, before the arrangement form is sent.
            "approval_needed": services.needs_approval(session),
        },
    )


DEFAULT_AGENDA = [AgendaItem.Kind.FIRST_ITEM, AgendaItem.Kind.THEORY, AgendaItem.Kind.DISCUSSION]


def _agenda_initial(session: StudySession | None) -> list[dict[str, Any]]:
    """The session's agenda, or for a new one the usual three items to fill in (R-S4 first)."""
    rows = [] if session is None else [
        {"kind": i.kind, "title": i.title, "presenter": i.presenter, "source": i.source, "source_date": i.source_date}
        for i in session.agenda_items.all()
    ]  # fmt: skip
    return rows or [{"kind": kind} for kind in DEFAULT_AGENDA]


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
    return rows or [{}]


def _posted_rows(formset: Any) -> list[dict[str, Any]]:
    """The rows as typed (not validated), without those ticked for deletion: the no-JavaScript
    "add a row" shows them again with one more empty row, and saves nothing."""
    rows = []
    for form in formset.forms:
        if form["DELETE"].value():
            continue
        rows.append({name: form[name].value() for name in form.fields if name != "DELETE"})
    return rows


def _kept_rows(formset: Any, *required: str) -> list[dict[str, Any]]:
    """The cleaned rows to save: not ticked for deletion, and with one of `required` filled in."""
    return [
        f.cleaned_data
        for f in formset.forms
        if not f.cleaned_data.get("DELETE") and any(f.cleaned_data.get(name) for name in required)
    ]


@login_required
def session_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a session with its agenda and speakers (the fields of both seed forms).

    Agenda items and speakers are formsets with rows added and removed in the page; without
    JavaScript the "add a row" button posts the form and gets it back with one more row.
    """
    session = _session_for(request.user, pk, A.STUDY_CHANGE) if pk else None
    policy.require(request.user, A.STUDY_CHANGE)
    organizations = Organization.objects.for_user(request.user, A.STUDY_CHANGE)
    people = Person.objects.for_user(request.user, A.STUDY_CHANGE).select_related("organization")
    year = clock.today().year
    themes = (
        PlanTheme.objects.for_user(request.user, A.STUDY_CHANGE)
        .filter(plan__year__in=[year - 1, year, year + 1])
        .select_related("plan")
    )
    initial = None
    if session is None:
        initial = {"organization": request.GET.get("org"), "kind": request.GET.get("kind", SessionKind.CENTER_GROUP)}
    data = request.POST if request.method == "POST" else None
    form_kwargs = {"organizations": organizations, "people": people, "themes": themes}
    form = SessionForm(data, instance=session, initial=initial, **form_kwargs)
    agenda = AgendaFormSet(data, prefix="agenda", initial=_agenda_initial(session))
    speakers = SpeakerFormSet(
        data, request.FILES or None, prefix="speakers", initial=_speaker_initial(session),
        form_kwargs={"people": people},
    )  # fmt: skip
    adding = request.POST.get("add_row") if request.method == "POST" else None
    if adding in ("agenda", "speakers"):
        # No JavaScript: the same page, as typed, with one more row; nothing saved.
        agenda_rows, speaker_rows = _posted_rows(agenda), _posted_rows(speakers)
        (agenda_rows if adding == "agenda" else speaker_rows).append({})
        typed = {name: form[name].value() for name in form.fields}
        form = SessionForm(None, instance=session, initial=typed, **form_kwargs)
        agenda = AgendaFormSet(prefix="agenda", initial=agenda_rows[:MAX_ROWS])
        speakers = SpeakerFormSet(prefix="speakers", initial=speaker_rows[:MAX_ROWS], form_kwargs={"people": people})
        if speaker_rows and any(f.get("file") for f in speaker_rows):
            messages.info(request, _("已增加一行；已选择的发言材料文件需重新选择。"))
    elif request.method == "POST" and form.is_valid() and agenda.is_valid() and speakers.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("organization", "kind")}
        agenda_rows = _kept_rows(agenda, "title")
        speaker_rows = _kept_rows(speakers, "speaker_name", "person")
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
                messages.success(request, _("学习会“{session}”已创建。").format(session=session.title))
            else:
                services.update_session(
                    session, actor=request.user, agenda=agenda_rows, speakers=speaker_rows, **fields
                )
                messages.success(request, _("学习会已保存。"))
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
            messages.success(request, _("已改期，原时间和原因已记录；旧的签到二维码已失效。"))
            return redirect("study:session_detail", pk=session.pk)
    return render(request, "study/session_reschedule.html", {"form": form, "session": session})


@login_required
@require_POST
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写取消原因。"))
        services.cancel_session(
            session, actor=request.user, reason=form.cleaned_data["reason"], expected_version=seen_version(request)
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("学习会已取消。"))
    return redirect("study:session_detail", pk=session.pk)


@login_required
@require_POST
def session_vet(request: HttpRequest, pk: int) -> HttpResponse:
    """R-S9: record the vetting of an invited lecturer (by someone outside the unit: `may_vet`)."""
    session = _session_for(request.user, pk)
    form = VettingForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        services.vet_lecturer(session, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("授课审核结果已记录。"))
    return redirect("study:session_detail", pk=session.pk)


SENDS = {
    "arrangement": (services.send_arrangement, _("学习安排报送表已报送联络员。")),
    "forward": (services.forward_arrangement, _("学习安排报送表已转报联系校领导。")),
    "report": (services.send_report, _("会后材料已报送党委宣传部，报送时间已记录。")),
}


@login_required
@require_POST
def session_submit(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """R-S10: send the arrangement form (secretary → liaison → linked leader) or the report (→ supervisor)."""
    session = _session_for(request.user, pk)
    if what not in SENDS:
        raise Http404
    service, done = SENDS[what]
    try:
        service(session, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, str(done))
    return redirect("study:session_detail", pk=session.pk)


@login_required
@require_POST
def receipt_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """签收: the addressee of a study document signs for it with one tap (R-S10)."""
    receipt = deliveries.signable(request.user, pk)
    if receipt.delivery.app_label != "study" or receipt.delivery.model != "studysession":
        raise Http404
    session = _session_for(request.user, receipt.delivery.object_id)
    try:
        services.sign_receipt(receipt, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已签收。"))
    return redirect("study:session_detail", pk=session.pk)


def delivery_rows(session: StudySession, user: Any) -> list[dict[str, Any]]:
    """The session's deliveries as its page shows them (`study.services.deliveries.delivery_rows`)."""
    return study_deliveries.delivery_rows(session, user)
