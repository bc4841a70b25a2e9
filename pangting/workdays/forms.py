from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pangting.core import inputs, widgets
from pangting.lib.workdays import DayUnit

from .services import parse_day_lines


class YearForm(inputs.CheckedForm):
    notice = forms.CharField(
        label=_("依据文件"),
        max_length=200,
        required=False,
        help_text=_("如：国务院办公厅关于2027年部分节假日安排的通知"),
    )
    holidays = forms.CharField(
        label=_("法定节假日"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("每行一项：日期或日期范围，空格后写名称。例如：2027-01-01 元旦，2027-02-05~2027-02-11 春节"),
    )
    makeup_workdays = forms.CharField(
        label=_("调休上班日"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("每行一项，须为周六或周日。例如：2027-02-14 春节调休"),
    )

    def clean_holidays(self) -> dict[dt.date, str]:
        return parse_day_lines(self.cleaned_data["holidays"], field=_("法定节假日"))

    def clean_makeup_workdays(self) -> dict[dt.date, str]:
        return parse_day_lines(self.cleaned_data["makeup_workdays"], field=_("调休上班日"))


class DeadlineForm(inputs.CheckedForm):
    start = forms.DateField(label=_("起算日期"), widget=widgets.DateInput())
    amount = forms.IntegerField(label=_("期限"), min_value=0, max_value=366)
    unit = forms.ChoiceField(
        label=_("单位"), choices=[(DayUnit.WORKING.value, _("工作日")), (DayUnit.CALENDAR.value, _("自然日"))]
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and not (1900 < data["start"].year < 2200):
            raise ValidationError(_("起算日期超出可计算范围。"))
        return data
