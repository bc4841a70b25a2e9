"""Cross-observation (交叉旁听, R-O13) pages.

Each unit invites another unit's secretary or deputy at least once per semester, and sits in
on another unit at least once per semester; the unit that sat in reports in writing within
3 days. A cross-observation belongs to two units: the host and the visitor both see it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from pangting.accounts import policy
from pangting.core import clock, dates, inputs, widgets
from pangting.core.paging import paginate
from pangting.core.transitions import available_step_names
from pangting.orgs.models import Organization
from pangting.orgs.units import units

from . import services
from .models import CrossObservation, Semester

A = policy.Action
# The cross list's units × units grid is drawn up to this many units (a city's or a school's units);
# a province's supervisor reads the per-unit counts and the paged list instead (issue 15).
MATRIX_UNITS = 60


def cross_for(user: Any, action: A = A.OBSERVATION_VIEW) -> QuerySet[CrossObservation]:
    """Cross-observations whose host or visitor the user reaches for `action`."""
    granted = policy.reach(user, action)
    if granted.is_empty:
        return CrossObservation.objects.none()
    return CrossObservation.objects.filter(granted.q("host") | granted.q("visitor"))


def get_cross_for_user(user: Any, pk: Any) -> CrossObservation:
    try:
        return cross_for(user).select_related("host", "visitor", "visitor_person", "session").get(pk=pk)
    except (CrossObservation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def top_units(orgs: QuerySet[Organization]) -> QuerySet[Organization]:
    """The units (`orgs.units`) among `orgs`: cross-observation is between them (R-O13)."""
    return units(orgs).order_by("sort_order", "path")


class CrossForm(inputs.CheckedForm):
    # Searched (issue 15): the host among the units the user replies for or manages, the visitor
    # and its secretary or deputy among the hosts' sibling units, names only (R-O13).
    host = widgets.OrganizationSearchField(label=_("邀请单位"), scope="observation.reply,observation.manage")
    visitor = widgets.OrganizationSearchField(label=_("列席单位"), scope="observation.reply,observation.manage")
    visitor_person = widgets.PersonSearchField(
        label=_("列席人员"),
        scope="observation.reply,observation.manage",
        required=False,
        help_text=_("列席单位的书记或副书记；可留空，由列席单位确定。"),
    )
    session = forms.ModelChoiceField(label=_("学习会"), queryset=None, required=False, help_text=_("可稍后确定。"))

    def __init__(self, *args: Any, hosts: Any, visitors: Any, people: Any, sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host"].limit(hosts, cross="host")
        self.fields["visitor"].limit(visitors, cross="visitor")
        self.fields["visitor_person"].limit(people, cross="visitor")
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = _session_label


def _session_label(session: Any) -> str:
    return f"{session.organization.display_name} · {dates.format_date(session.starts_at)} · {session.title}"


class CrossReportForm(inputs.CheckedForm):
    report = forms.CharField(
        label=_("列席情况书面报告"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("学习会的组织、内容、方式、效果，可借鉴的做法与建议（R-O13）。"),
    )


def _semester_param(request: HttpRequest) -> tuple[int, int]:
    year, semester = services.semester_of(clock.today())
    raw_year, raw_semester = request.GET.get("year", ""), request.GET.get("semester", "")
    if raw_year.isdigit() and 2000 <= int(raw_year) <= 2100:
        year = int(raw_year)
    if raw_semester in ("1", "2"):
        semester = int(raw_semester)
    return year, semester


@login_required
def cross_list(request: HttpRequest) -> HttpResponse:
    """The semester's cross-observations and the per-unit counts, both directions (R-O13)."""
    user = request.user
    policy.require(user, A.OBSERVATION_VIEW)
    year, semester = _semester_param(request)
    units = list(top_units(Organization.objects.for_user(user, A.OBSERVATION_VIEW)))
    counts = services.cross_counts(year, semester, units)
    for row in counts:
        row["short"] = row["hosted"] < 1 or row["visited"] < 1
    listed = cross_for(user).filter(year=year, semester=semester)
    # Issue 15: both lists paged (`?unit_page=` for the counts, `?page=` for the cross-observations).
    count_page, count_query = paginate(request, counts, param="unit_page")
    items, item_query = paginate(
        request,
        listed.select_related("host", "visitor", "visitor_person", "session").order_by(
            "host__sort_order", "host__path", "pk"
        ),
    )
    # Matrix host × visitor, only for the units the user reaches (a supervisor's whole tree), and
    # only while it is small: past MATRIX_UNITS the counts and the list say the same without a units² grid.
    matrix: list[dict[str, Any]] = []
    if 1 < len(units) <= MATRIX_UNITS:
        unit_ids = [u.pk for u in units]
        cells = {
            (host_id, visitor_id): n
            for host_id, visitor_id, n in listed.exclude(status=CrossObservation.Status.CANCELLED)
            .order_by()
            .values_list("host_id", "visitor_id")
            .annotate(n=Count("pk"))
        }
        matrix = [
            {"unit": host, "cells": [("—" if v == host.pk else cells.get((host.pk, v), 0)) for v in unit_ids]}
            for host in units
        ]
    today = clock.today()
    for item in items:
        item.overdue = bool(
            item.report_due and not item.reported_at and item.report_due < today
            and item.status != CrossObservation.Status.CANCELLED
        )  # fmt: skip
        item.can_report = item.status != CrossObservation.Status.CANCELLED and policy.can(
            user, A.OBSERVATION_REPLY, item.visitor
        )
    return render(
        request,
        "observation/cross_list.html",
        {
            "year": year,
            "semester": semester,
            "semester_label": Semester(semester).label,
            "semesters": Semester.choices,
            "counts": count_page.object_list,
            "count_page": count_page,
            "count_query": count_query,
            "short_count": sum(1 for row in counts if row["short"]),
            "matrix": matrix,
            "matrix_too_large": len(units) > MATRIX_UNITS,
            "matrix_units": MATRIX_UNITS,
            "units": units,
            "items": items.object_list,
            "page_obj": items,
            "query_string": item_query,
            "can_create": policy.can(user, A.OBSERVATION_REPLY) or policy.can(user, A.OBSERVATION_MANAGE),
        },
    )


@login_required
def cross_create(request: HttpRequest) -> HttpResponse:
    """The host unit's secretary invites another unit's secretary or deputy (R-O13)."""
    from pangting.study.models import SessionKind, StudySession

    user = request.user
    hosts = policy.cross_hosts(user)
    if not hosts.exists():
        raise Http404
    # The partners are the host's sibling units: a unit must be able to name another unit and
    # its secretary or deputy, though it does not otherwise see into that unit (names only).
    visitors = policy.cross_visitors(user)
    people = policy.cross_visitor_people(user)
    sessions = (
        StudySession.objects.for_user(user, A.OBSERVATION_VIEW)
        .filter(organization__in=hosts, kind=SessionKind.CENTER_GROUP)
        .exclude(status=StudySession.Status.CANCELLED)
        .filter(starts_at__gte=clock.now() - dt.timedelta(days=30))
        .select_related("organization")
        .order_by("starts_at")
    )
    initial = {"host": hosts.first()} if hosts.count() == 1 else {}
    form = CrossForm(
        request.POST or None, hosts=hosts, visitors=visitors, people=people, sessions=sessions, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cross = services.invite_cross_observation(
                data["host"],
                data["visitor"],
                actor=user,
                session=data["session"],
                visitor_person=data["visitor_person"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("交叉旁听邀请已登记。"))
            return redirect("observation:cross_detail", pk=cross.pk)
    return render(request, "observation/cross_form.html", {"form": form})


@login_required
def cross_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One cross-observation: the visiting unit files its written report here (within 3 days, R-O13);
    the host confirms attendance or cancels. The buttons are the steps the user may take now."""
    user = request.user
    cross = get_cross_for_user(user, pk)
    steps = available_step_names(cross, user)
    can_report = "report" in steps or (
        cross.status == CrossObservation.Status.REPORTED and policy.can(user, A.OBSERVATION_REPLY, cross.visitor)
    )
    form = CrossReportForm(request.POST or None, initial={"report": cross.report})
    if request.method == "POST":
        step = request.POST.get("step", "report")
        raw_version = request.POST.get("version", "")
        seen = int(raw_version) if raw_version.isdigit() else None
        if step in ("attend", "cancel"):
            try:
                if step == "attend":
                    services.attend_cross_observation(cross, actor=user, expected_version=seen)
                else:
                    services.cancel_cross_observation(
                        cross, actor=user, reason=request.POST.get("reason", ""), expected_version=seen
                    )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("已办理。"))
            return redirect("observation:cross_detail", pk=cross.pk)
        if not can_report:
            raise Http404
        if form.is_valid():
            try:
                services.report_cross_observation(
                    cross, actor=user, report=form.cleaned_data["report"], expected_version=seen
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("列席情况报告已报送。"))
                return redirect("observation:cross_detail", pk=cross.pk)
    today = clock.today()
    overdue = bool(cross.report_due and not cross.reported_at and cross.report_due < today)
    return render(
        request,
        "observation/cross_detail.html",
        {"cross": cross, "form": form, "can_report": can_report, "overdue": overdue, "today": today, "steps": steps},
    )
