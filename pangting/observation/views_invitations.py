"""Invited visits (应邀式, R-O2): a unit asks, the supervisor accepts or declines.

The secretary of a unit (observation.reply) requests a visit for one of the unit's future
center-group sessions; the supervisor (observation.manage) sees the pending requests in its
subtree and decides. Accepting creates an invited visit already linked to the session.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from pangting.accounts import policy
from pangting.core import clock, dates, inputs

from . import services
from .models import InvitationRequest, State, Visit

A = policy.Action


class InvitationForm(inputs.CheckedForm):
    session = forms.ModelChoiceField(label=_("学习会"), queryset=None, help_text=_("只能邀请尚未召开的中心组学习会。"))
    message = forms.CharField(
        label=_("邀请说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=1000
    )

    def __init__(self, *args: Any, sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = _session_label


def _session_label(session: Any) -> str:
    return f"{session.organization.display_name} · {dates.format_datetime(session.starts_at)} · {session.title}"


class DecisionForm(inputs.CheckedForm):
    accept = forms.TypedChoiceField(
        label=_("处理结果"), choices=[("1", _("接受邀请")), ("0", _("婉拒"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(label=_("处理意见"), max_length=300, required=False, help_text=_("婉拒时必须说明理由。"))


def invitations_for(user: Any) -> QuerySet[InvitationRequest]:
    """What a user sees: the supervisor's subtree (manage) and a secretary's own units (reply)."""
    manage = policy.reach(user, A.OBSERVATION_MANAGE)
    reply = policy.reach(user, A.OBSERVATION_REPLY)
    if manage.is_empty and reply.is_empty:
        return InvitationRequest.objects.none()
    condition = Q(pk__in=[])
    if not manage.is_empty:
        condition |= manage.q("unit")
    if not reply.is_empty:
        condition |= reply.q("unit")
    return InvitationRequest.objects.filter(condition)


def future_sessions(user: Any) -> Any:
    """The future center-group sessions of the units the user may invite for, not yet asked or observed."""
    from pangting.study.models import SessionKind, StudySession

    asked = InvitationRequest.objects.filter(status=InvitationRequest.Status.PENDING).values("session")
    observed = Visit.objects.exclude(state=State.CANCELLED).filter(session__isnull=False).values("session")
    return (
        StudySession.objects.for_user(user, A.OBSERVATION_REPLY)
        .filter(kind=SessionKind.CENTER_GROUP, starts_at__gt=clock.now())
        .exclude(status=StudySession.Status.CANCELLED)
        .exclude(pk__in=asked)
        .exclude(pk__in=observed)
        .select_related("organization")
        .order_by("starts_at")
    )


@login_required
def invitation_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    can_manage = policy.can(user, A.OBSERVATION_MANAGE)
    can_request = policy.can(user, A.OBSERVATION_REPLY)
    if not (can_manage or can_request):
        raise Http404
    items = invitations_for(user).select_related("unit", "session", "visit", "requested_by")
    status = request.GET.get("status", InvitationRequest.Status.PENDING if can_manage else "")
    if status in InvitationRequest.Status.values:
        items = items.filter(status=status)
    page = Paginator(items.order_by("-created_at"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "observation/invitation_list.html",
        {
            "page_obj": page,
            "status": status,
            "statuses": InvitationRequest.Status.choices,
            "can_manage": can_manage,
            "can_request": can_request,
            "query_string": f"status={status}",
        },
    )


@login_required
def invitation_create(request: HttpRequest) -> HttpResponse:
    """The unit's secretary picks one of the unit's future sessions and asks for a visit (R-O2)."""
    policy.require(request.user, A.OBSERVATION_REPLY)
    sessions = future_sessions(request.user)
    form = InvitationForm(request.POST or None, sessions=sessions)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_invitation(
                form.cleaned_data["session"], actor=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("邀请已提交，等待党委宣传部处理。"))
            return redirect("observation:invitation_list")
    return render(request, "observation/invitation_form.html", {"form": form, "has_sessions": sessions.exists()})


@login_required
def invitation_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The supervisor accepts (an invited visit is created) or declines with a reason."""
    invitation = policy.get_for_user(
        InvitationRequest.objects.select_related("unit", "session", "requested_by", "visit"),
        request.user,
        pk,
        A.OBSERVATION_MANAGE,
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            raw_version = request.POST.get("version", "")
            invitation = services.decide_invitation(
                invitation,
                accept=form.cleaned_data["accept"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=int(raw_version) if raw_version.isdigit() else None,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if invitation.visit_id:
                messages.success(request, _("已接受邀请，应邀式巡听旁听已安排。"))
                return redirect("observation:visit_detail", pk=invitation.visit_id)
            messages.success(request, _("已婉拒邀请。"))
            return redirect("observation:invitation_list")
    return render(request, "observation/invitation_decide.html", {"invitation": invitation, "form": form})
