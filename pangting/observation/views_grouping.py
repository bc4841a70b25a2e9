"""The standing grouping table (分组表, R-O24): list by year, edit a team, export to Excel."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core import clock, inputs, widgets
from pangting.core.views import attachment, chinese_file
from pangting.orgs.models import Organization
from pangting.orgs.units import SUPERVISING
from pangting.orgs.units import units as unit_set

from .models import Semester, StandingTeam
from .services import grouping

A = policy.Action
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StandingTeamForm(inputs.CheckedForm):
    supervisor_org = forms.ModelChoiceField(label=_("督导组织"), queryset=Organization.objects.none())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    semester = forms.TypedChoiceField(
        label=_("学期"), choices=[("", _("全年")), *Semester.choices], coerce=int, empty_value=None, required=False
    )
    name = forms.CharField(label=_("小组名称"), max_length=60)
    # Searched, not a <select> of every person and unit the level manages (issue 15).
    leader = widgets.PersonSearchField(label=_("组长"), scope="observation.manage")
    members = widgets.PeopleSearchField(label=_("成员"), scope="observation.manage", required=False)
    units = widgets.OrganizationsSearchField(
        label=_("联系单位"), scope="observation.manage", units_only=True, required=False
    )
    notes = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        managed = Organization.objects.for_user(user, A.OBSERVATION_MANAGE)
        # A team's people, as a visit's and as the person search's (R-O23): `policy.team_people`.
        people = policy.team_people(user)
        self.fields["supervisor_org"].queryset = managed.filter(SUPERVISING)
        self.fields["leader"].limit(people)
        self.fields["members"].limit(people)
        self.fields["units"].limit(unit_set(managed))


def _teams(user: Any, year: int) -> QuerySet[StandingTeam]:
    return policy.scope(StandingTeam.objects.filter(year=year), user).select_related("leader", "supervisor_org")


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else clock.today().year


@login_required
def grouping_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.OBSERVATION_VIEW)
    year = _year(request)
    return render(
        request,
        "observation/grouping_list.html",
        {
            "year": year,
            "rows": grouping.grouping_rows(_teams(request.user, year)),
            "can_manage": policy.can(request.user, A.OBSERVATION_MANAGE),
        },
    )


@login_required
def grouping_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    policy.require(request.user, A.OBSERVATION_MANAGE)
    team = policy.get_for_user(StandingTeam.objects.all(), request.user, pk, A.OBSERVATION_MANAGE) if pk else None
    initial: dict[str, Any] = {"year": _year(request)}
    if team is not None:
        initial = {
            "supervisor_org": team.supervisor_org, "year": team.year, "semester": team.semester, "name": team.name,
            "leader": team.leader, "notes": team.notes,
            "members": [m.person for m in team.members.filter(deleted_at__isnull=True)],
            "units": [link.unit for link in team.covered.filter(deleted_at__isnull=True)],
        }  # fmt: skip
    form = StandingTeamForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            team = grouping.save_standing_team(
                actor=request.user, supervisor_org=data["supervisor_org"], year=data["year"],
                semester=data["semester"], name=data["name"], leader=data["leader"], members=list(data["members"]),
                units=list(data["units"]), notes=data["notes"], team=team,
            )  # fmt: skip
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _t("分组表已保存。"))
            return redirect(f"{_list_url()}?year={team.year}")
    return render(request, "observation/grouping_form.html", {"form": form, "team": team})


def _list_url() -> str:
    return reverse("observation:grouping_list")


@login_required
@require_POST
def grouping_delete(request: HttpRequest, pk: int) -> HttpResponse:
    team = policy.get_for_user(StandingTeam.objects.all(), request.user, pk, A.OBSERVATION_MANAGE)
    try:
        grouping.delete_standing_team(team, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _t("小组已删除（历史记录保留）。"))
    return redirect(f"{_list_url()}?year={team.year}")


@login_required
@chinese_file
def grouping_export(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.OBSERVATION_VIEW)
    year = _year(request)
    title = _t("{year}年旁听小组分组表").format(year=year)
    return attachment(grouping.grouping_workbook(_teams(request.user, year), title), f"{title}.xlsx", XLSX)
