"""Observation pages: thin views over `services`, every query through the policy module."""

from __future__ import annotations

import os
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core import clock, deliveries
from pangting.core.history import history_of
from pangting.core.ordering import current_year_first
from pangting.core.transitions import confirmation
from pangting.core.views import attachment, chinese_file, confirm_first, flash_errors, parse_year, seen_version
from pangting.orgs.models import Organization
from pangting.orgs.units import units as unit_set

from . import documents, services
from .forms import (
    DeliveryForm,
    DocumentReviewForm,
    FeedbackForm,
    ForumForm,
    ObservedForm,
    OnSiteCommentForm,
    ReasonForm,
    RecordForm,
    ReplyForm,
    ScheduleInvitedForm,
    SpotQuestionForm,
    TalkForm,
    VisitForm,
)
from .models import CHECKLIST_POINTS, Feedback, Mode, ObservationRecord, State, TeamMember, Visit
from .obligations import current_obligation
from .views_offline import observer_initial, observers_of, page_texts, submission_key

A = policy.Action


_errors = flash_errors


def _visit(request: HttpRequest, pk: int) -> Visit:
    qs = Visit.objects.select_related("unit", "session", "plan", "supervisor_org")
    return policy.get_for_user(qs, request.user, pk)


def _unit_sessions(user: Any, visit: Visit) -> Any:
    from pangting.study.models import StudySession

    return StudySession.objects.for_user(user).filter(organization=visit.unit).order_by("-starts_at")


def _docx(data: bytes, filename: str) -> HttpResponse:
    return attachment(data, filename, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.OBSERVATION_VIEW)
    visits = Visit.objects.for_user(request.user).select_related("unit", "session", "supervisor_org")
    year = parse_year(request.GET.get("year"))
    state = request.GET.get("state", "")
    mode = request.GET.get("mode", "")
    if year is not None:
        visits = visits.filter(year=year)
    if state in State.values:
        visits = visits.filter(state=state)
    if mode in Mode.values:
        visits = visits.filter(mode=mode)
    # Issue 16: next year's imported visits do not push this year's to page 2.
    visits = current_year_first(visits, "year", "-year", "semester", "target_month", "unit__path")
    page = Paginator(visits.prefetch_related("rectifications"), 50).get_page(request.GET.get("page"))
    for visit in page.object_list:  # the list's "current deadline" column: the visit's obligation
        items = [item for item in visit.rectifications.all() if item.deleted_at is None]
        visit.obligation = current_obligation(visit, items=items)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "observation/visit_list.html",
        {
            "page_obj": page,
            "year": year or "",
            "state": state,
            "mode": mode,
            "states": State.choices,
            "modes": Mode.choices,
            "query_string": query.urlencode(),
            "can_manage": policy.can(request.user, A.OBSERVATION_MANAGE),
            "today": clock.today(),
        },
    )


@login_required
def visit_create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.OBSERVATION_MANAGE)
    units = unit_set(Organization.objects.for_user(request.user, A.OBSERVATION_MANAGE))
    people = policy.team_people(request.user)  # the level's tree and its own organization (R-O23)
    today = clock.today()
    year, semester = services.semester_of(today)
    form = VisitForm(
        request.POST or None,
        units=units,
        people=people,
        leaders=policy.visit_leader_choices(request.user),
        initial={"year": year, "semester": semester},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        team = None
        if data["leader"] or data["liaison"]:
            candidates = services.propose_team(data["unit"], year=data["year"], semester=data["semester"])
            proposed = {role: person for person, role in candidates}
            leader = data["leader"] or proposed.get(TeamMember.Role.LEADER)
            liaison = data["liaison"] or proposed.get(TeamMember.Role.LIAISON)
            team = [(p, r) for p, r in ((leader, TeamMember.Role.LEADER), (liaison, TeamMember.Role.LIAISON)) if p]
        try:
            visit = services.create_visit(
                actor=request.user, unit=data["unit"], year=data["year"], semester=data["semester"], mode=data["mode"],
                target_month=data["target_month"], team=team, focus=data["focus"],
            )  # fmt: skip
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("巡听旁听已安排。"))
            return redirect("observation:visit_detail", pk=visit.pk)
    return render(request, "observation/visit_form.html", {"form": form})


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    user = request.user
    record = ObservationRecord.objects.filter(visit=visit).first()
    feedback = Feedback.objects.filter(visit=visit).first()
    steps = services.visit_steps(visit, user)
    team = visit.team()
    unit_sessions = None
    if "reply" in steps:
        from pangting.study.models import StudySession

        unit_sessions = StudySession.objects.for_user(user).filter(organization=visit.unit).order_by("-starts_at")[:50]
    schedule_form = None
    if (
        visit.state == State.PLANNED
        and visit.mode == Mode.INVITED
        and policy.can(user, A.OBSERVATION_MANAGE, visit.unit)
    ):
        schedule_form = ScheduleInvitedForm(sessions=_unit_sessions(user, visit))
    return render(
        request,
        "observation/visit_detail.html",
        {
            "visit": visit,
            "team": team,
            "transitions": visit.transitions.select_related("actor"),
            "record": record,
            "feedback": feedback,
            "talks": visit.talks.filter(deleted_at__isnull=True),
            "reviews": visit.document_reviews.filter(deleted_at__isnull=True),
            "forums": visit.forums.filter(deleted_at__isnull=True),
            "comments": visit.on_site_comments.filter(deleted_at__isnull=True),
            "questions": visit.spot_questions.filter(deleted_at__isnull=True),
            "rectifications": visit.rectifications.filter(deleted_at__isnull=True).select_related("owner"),
            "can_manage": policy.can(user, A.OBSERVATION_MANAGE, visit.unit),
            "can_record": policy.can(user, A.OBSERVATION_RECORD, visit.unit),
            "can_reply": policy.can(user, A.OBSERVATION_REPLY, visit.unit),
            "can_cosign": services.can_cosign(user, visit),
            "cosignatures": visit.cosignatures.filter(deleted_at__isnull=True).order_by("partner"),
            "steps": steps,
            "obligation": current_obligation(visit),
            "delivery_form": DeliveryForm(initial={"delivered_on": clock.today()}),
            "reply_form": ReplyForm(sessions=unit_sessions) if unit_sessions is not None else None,
            # R-O4: the reply sent as a delivery, with its receipts (who signed when).
            "reply_rows": services.reply_rows(visit, user),
            "schedule_form": schedule_form,
            "talk_form": TalkForm(initial={"held_on": clock.today()}),
            "review_form": DocumentReviewForm(),
            "forum_form": ForumForm(initial={"held_on": clock.today()}),
            "comment_form": OnSiteCommentForm(),
            "question_form": SpotQuestionForm(),
            "observed_form": ObservedForm(team=team) if "mark_observed" in steps else None,
            # Everyone who may see the visit sees who changed what (personal data masked).
            "history": history_of(visit, record, feedback, *team),
            "cancel_form": ReasonForm(),
        },
    )


# R-O19: the other parts of a visit, each added by its own form and service.
ACTIVITY_FORMS: dict[str, tuple[Any, Any, Any]] = {
    "forum": (ForumForm, services.add_forum, gettext_lazy("已登记专题座谈。")),
    "comment": (OnSiteCommentForm, services.add_on_site_comment, gettext_lazy("已登记现场点评。")),
    "question": (SpotQuestionForm, services.add_spot_question, gettext_lazy("已登记理论问题抽查。")),
}


@login_required
@require_POST
def visit_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One POST endpoint per workflow step; each calls exactly one service.

    Step forms carry the version of the visit the user saw, so a stale page changes nothing.
    """
    visit = _visit(request, pk)
    user = request.user
    seen = seen_version(request)
    if action in ("issue_letter", "cancel") and (page := confirm_first(request, confirmation(visit, action))):
        return page  # no script: the irreversible step asks on a page of its own (issue 16)
    try:
        if action == "issue_letter":
            policy.require(user, A.OBSERVATION_MANAGE, visit.unit)
            services.issue_letter(visit, actor=user, expected_version=seen)
            messages.success(request, _("函件已印发。"))
        elif action == "cosign":
            services.cosign_letter(visit, actor=user)  # R-O21: the service checks the partner's seat
            messages.success(request, _("已会签函告。"))
        elif action == "delivery":
            policy.require(user, A.OBSERVATION_MANAGE, visit.unit)
            form = DeliveryForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("请填写有效的送达日期。"))
            services.record_delivery(visit, form.cleaned_data["delivered_on"], actor=user, expected_version=seen)
            messages.success(request, _("已登记送达日期。"))
        elif action == "reply":
            policy.require(user, A.OBSERVATION_DELIVER, visit.unit)  # R-O4: the liaison or the study secretary
            from pangting.study.models import StudySession

            sessions = StudySession.objects.for_user(user).filter(organization=visit.unit)
            form = ReplyForm(request.POST, request.FILES, sessions=sessions)
            if not form.is_valid():
                raise ValidationError(_("请选择学习会。"))
            data = form.cleaned_data
            services.send_reply(
                visit, data["session"], actor=user, notes=data["notes"], plan_file=data["plan_file"],
                expected_version=seen,
            )  # fmt: skip
            messages.success(request, _("回复及学习会方案已报送督导部门。"))
        elif action == "schedule_invited":
            policy.require(user, A.OBSERVATION_MANAGE, visit.unit)
            form = ScheduleInvitedForm(request.POST, sessions=_unit_sessions(user, visit))
            if not form.is_valid():
                raise ValidationError(_("请选择学习会。"))
            services.schedule_invited_visit(visit, form.cleaned_data["session"], actor=user, expected_version=seen)
            messages.success(request, _("已确定学习会。"))
        elif action == "observed":
            policy.require(user, A.OBSERVATION_RECORD, visit.unit)
            form = ObservedForm(request.POST, team=visit.team())
            if not form.is_valid():
                raise ValidationError(_("到场成员无效。"))
            services.mark_observed(visit, actor=user, attendees=form.cleaned_data["attendees"], expected_version=seen)
            messages.success(request, _("已标记为已旁听。"))
        elif action == "cancel":
            policy.require(user, A.OBSERVATION_MANAGE, visit.unit)
            form = ReasonForm(request.POST)
            services.cancel_visit(visit, actor=user, reason=form.data.get("reason", ""), expected_version=seen)
            messages.success(request, _("已取消。"))
        elif action == "recompute":
            policy.require(user, A.OBSERVATION_MANAGE, visit.unit)
            services.recompute_deadlines(visit, actor=user)
            messages.success(request, _("已重新计算期限。"))
        elif action == "talk":
            policy.require(user, A.OBSERVATION_RECORD, visit.unit)
            form = TalkForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            services.add_talk(visit, actor=user, **form.cleaned_data)
            messages.success(request, _("已登记个别谈话。"))
        elif action == "review":
            policy.require(user, A.OBSERVATION_RECORD, visit.unit)
            form = DocumentReviewForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            services.add_document_review(visit, actor=user, **form.cleaned_data)
            messages.success(request, _("已登记调阅资料。"))
        elif action in ACTIVITY_FORMS:
            policy.require(user, A.OBSERVATION_RECORD, visit.unit)
            form_class, service, done = ACTIVITY_FORMS[action]
            form = form_class(request.POST)
            if not form.is_valid():
                raise ValidationError(
                    [
                        _("{field}：{error}").format(field=form.fields[name].label, error=error)
                        for name, errors in form.errors.items()
                        for error in errors
                    ]
                )
            service(visit, actor=user, **form.cleaned_data)
            messages.success(request, done)
        else:
            raise Http404
    except ValidationError as error:
        _errors(request, error)
    return redirect("observation:visit_detail", pk=visit.pk)


@login_required
def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone-friendly record form the liaison fills during and after the session (R-O8)."""
    visit = _visit(request, pk)
    policy.require(request.user, A.OBSERVATION_RECORD, visit.unit)
    record = ObservationRecord.objects.filter(visit=visit).first()
    rubric = record.rubric if record else services.active_rubric()
    initial: dict[str, Any] = {}
    if record:
        initial = {name: getattr(record, name) for name in services.RECORD_FIELDS}
        initial.update({f"score_{k}": v for k, v in record.scores.items()})
        initial.update(observer_initial(record))
    form = RecordForm(request.POST or None, rubric_items=rubric.items, observers=observers_of(visit), initial=initial)
    facts = record.facts if record else (services.session_facts_dict(visit.session) if visit.session else {})
    # The version the form is typed over and the key that makes its sending count once.
    key = submission_key(request) or uuid.uuid4()
    if request.method == "POST" and form.is_valid():
        submit = "submit" in request.POST
        try:
            services.submit_record_once(
                visit,
                actor=request.user,
                key=key,
                data=form.cleaned_data,
                scores=form.scores(),
                submit=submit,
                expected_version=seen_version(request),
                observer_scores=form.observer_scores(),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("记录已填报。") if submit else _("草稿已保存。"))
            return redirect("observation:visit_detail", pk=visit.pk)
    return render(
        request,
        "observation/record_form.html",
        {
            "visit": visit,
            "form": form,
            "record": record,
            "facts": facts,
            "rubric": rubric,
            "version": record.version if record else 0,
            "submission_key": key,
            "draft_id": f"record:{visit.pk}:{request.user.pk}",
            "offline_texts": page_texts(),
        },
    )


@login_required
@require_POST
def record_signoff(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    policy.require(request.user, A.OBSERVATION_RECORD, visit.unit)
    record = ObservationRecord.objects.filter(visit=visit).first()
    if record is None:
        raise Http404
    try:
        services.sign_off_record(record, actor=request.user)
        messages.success(request, _("记录已确认。"))
    except ValidationError as error:
        _errors(request, error)
    return redirect("observation:visit_detail", pk=visit.pk)


@login_required
def feedback_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft the written feedback with the 11-point checklist (R-O9), then issue it."""
    visit = _visit(request, pk)
    policy.require(request.user, A.OBSERVATION_MANAGE, visit.unit)
    feedback = Feedback.objects.filter(visit=visit).first()
    if feedback is None:
        try:
            feedback = services.draft_feedback(visit, actor=request.user)
        except ValidationError as error:
            _errors(request, error)
            return redirect("observation:visit_detail", pk=visit.pk)
    initial: dict[str, Any] = {"summary": feedback.summary, "suggestions": feedback.suggestions}
    for key, _label in CHECKLIST_POINTS:
        point = feedback.checklist.get(key, {})
        initial[f"problem_{key}"] = point.get("problem", False)
        initial[f"evidence_{key}"] = point.get("evidence", "")
    form = FeedbackForm(request.POST or None, initial=initial)
    if "issue" in request.POST and (page := confirm_first(request, confirmation(visit, "issue_feedback"))):
        return page  # no script: issuing asks on a page of its own (issue 16)
    if request.method == "POST" and form.is_valid():
        try:
            # Save and issue together: a stale page (the visit moved on) issues nothing and saves
            # nothing; the form is shown again with what was typed.
            with transaction.atomic():
                services.save_feedback(
                    feedback, actor=request.user, checklist=form.checklist(),
                    summary=form.cleaned_data["summary"], suggestions=form.cleaned_data["suggestions"],
                )  # fmt: skip
                if "issue" in request.POST:
                    services.issue_feedback(feedback, actor=request.user, expected_version=seen_version(request))
            if "issue" in request.POST:
                messages.success(request, _("反馈意见{number}已印发。").format(number=feedback.number))
                return redirect("observation:visit_detail", pk=visit.pk)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("反馈意见草稿已保存。"))
            return redirect("observation:feedback_edit", pk=visit.pk)
    record = ObservationRecord.objects.filter(visit=visit).first()
    return render(
        request,
        "observation/feedback_form.html",
        {"visit": visit, "feedback": feedback, "form": form, "record": record},
    )


@login_required
@require_POST
def feedback_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    policy.require(request.user, A.OBSERVATION_REPLY, visit.unit)
    feedback = Feedback.objects.filter(visit=visit).first()
    if feedback is None:
        raise Http404
    try:
        services.acknowledge_feedback(feedback, actor=request.user, expected_version=seen_version(request))
        messages.success(request, _("已签收反馈意见。"))
    except ValidationError as error:
        _errors(request, error)
    return redirect("observation:visit_detail", pk=visit.pk)


@login_required
@require_POST
def reply_receipt_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """签收 (R-O4): the team leader or the supervising department signs for the unit's reply, one tap."""
    receipt = deliveries.signable(request.user, pk)
    delivery = receipt.delivery
    if delivery.app_label != "observation" or delivery.model != "visit" or delivery.kind != services.REPLY:
        raise Http404
    visit = _visit(request, delivery.object_id)
    try:
        services.sign_reply_receipt(receipt, actor=request.user)
        messages.success(request, _("已签收。"))
    except ValidationError as error:
        _errors(request, error)
    return redirect("observation:visit_detail", pk=visit.pk)


@login_required
@chinese_file
def document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Word downloads: the notice letter, the unit's session plan (R-O4), the record form, the feedback letter."""
    visit = _visit(request, pk)
    if kind == "session_plan" and visit.reply_received_on:
        if visit.reply_plan_file:  # the plan the unit uploaded with its reply
            try:
                handle = visit.reply_plan_file.open("rb")
            except (FileNotFoundError, OSError) as missing:
                raise Http404 from missing
            return FileResponse(handle, as_attachment=True, filename=os.path.basename(visit.reply_plan_file.name))
        if visit.session:
            # i18n: not interface (the name of a Chinese document file)
            return _docx(documents.session_plan(visit), f"{visit.unit.name}学习会方案.docx")
    if kind == "letter" and visit.letter_number:
        # i18n: not interface (the name of a Chinese document file)
        return _docx(documents.notice_letter(visit), f"{visit.letter_number}函告.docx")
    if kind == "record":
        record = ObservationRecord.objects.filter(visit=visit, filed_at__isnull=False).first()
        if record:
            # i18n: not interface (the name of a Chinese document file)
            return _docx(documents.record_form(record), f"{visit.unit.name}列席旁听记录表.docx")
    if kind == "feedback":
        feedback = Feedback.objects.filter(visit=visit).first()
        if feedback and (feedback.issued_at or policy.can(request.user, A.OBSERVATION_MANAGE, visit.unit)):
            # i18n: not interface (the name of a Chinese document file)
            return _docx(documents.feedback_letter(feedback), f"{visit.unit.name}巡听旁听反馈意见.docx")
    raise Http404
