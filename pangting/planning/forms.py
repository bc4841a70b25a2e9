"""Forms of the planning pages. The candidate rows of a draw are parsed in the view (one per unit)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from pangting.core import inputs, widgets
from pangting.observation.models import Semester
from pangting.orgs.models import Organization


class SeatForm(inputs.CheckedForm):
    """A planning form that works for one of the user's seats (R-O23): the supervising organization
    is chosen first when the user manages observation for several, and is the only one otherwise."""

    supervisor_org = forms.ModelChoiceField(
        label=_("督导组织"), queryset=Organization.objects.none(), required=False, empty_label=None
    )

    def __init__(self, *args: Any, seats: Sequence[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seats = list(seats)
        if len(self.seats) > 1:
            field = self.fields["supervisor_org"]
            field.queryset = Organization.objects.filter(pk__in=[s.pk for s in self.seats]).order_by("path")
            field.initial = self.seats[0].pk
            self.order_fields(["supervisor_org"])
        else:
            del self.fields["supervisor_org"]

    def chosen_seat(self) -> Organization:
        """The seat the valid form works for."""
        return self.cleaned_data.get("supervisor_org") or self.seats[0]


class DrawForm(inputs.CheckedForm):
    purpose = forms.CharField(
        label=_("抽取事由"), max_length=200, help_text=_("如：2026年秋季学期随机式巡听旁听（第一批）。")
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    count = forms.IntegerField(label=_("抽取数量"), min_value=1, max_value=500)
    public_value_source = forms.CharField(
        label=_("公开随机值来源（事先公布）"),
        max_length=200,
        help_text=_("操作人员无法控制、抽取前尚未产生的公开数值，如“2026年12月1日上证指数收盘点位”。"),
    )
    redraw_reason = forms.CharField(label=_("重抽原因"), max_length=300, required=False)


class PerformForm(inputs.CheckedForm):
    public_value = forms.CharField(label=_("公开随机值"), max_length=200)
    published_on = forms.DateField(
        label=_("公布日期"),
        required=False,
        widget=widgets.DateInput(),
        help_text=_("该数值公布的日期；晚于今天的数值尚未公布，不能用于抽取。"),
    )


class VisitsFromDrawForm(inputs.CheckedForm):
    semester = forms.TypedChoiceField(label=_("学期"), choices=Semester.choices, coerce=int)


class RunForm(SeatForm):
    year = forms.IntegerField(label=_("计划年度"), min_value=2000, max_value=2100)
    time_limit = forms.IntegerField(
        label=_("求解时限（秒）"), min_value=1, max_value=600, initial=10, help_text=_("单位多时可适当延长。")
    )
    lanzhou_rule = forms.BooleanField(
        label=_("每个工作组每学期至少旁听一次其联系单位（R-O12）"), required=False, initial=False
    )
    cross_observation = forms.BooleanField(label=_("同时安排交叉旁听（R-O13）"), required=False, initial=True)


MONTH_CHOICES = [(m, format_lazy(_("{month}月"), month=m)) for m in range(1, 13)]


class UnavailabilityForm(SeatForm):
    """Months a leader or liaison cannot take part in visits, for the seat chosen. The person is
    searched (issue 15) among `people`, the current linked leaders and liaisons (R-O3) of the
    user's seats, read from `policy.planning_people_choices` as the search's `planning=1` is."""

    person = widgets.PersonSearchField(label=_("人员"), scope="observation.manage")
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    first_month = forms.TypedChoiceField(label=_("起始月份"), choices=MONTH_CHOICES, coerce=int)
    last_month = forms.TypedChoiceField(label=_("截止月份"), choices=MONTH_CHOICES, coerce=int)
    reason = forms.CharField(label=_("原因"), max_length=200, help_text=_("如：赴省委党校学习、出国访问。"))

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].limit(people, planning=1)
