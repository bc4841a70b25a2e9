from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pangting.core import inputs, widgets
from pangting.study.parameters import get_parameters

from .models import StudyReport


class SchemeForm(inputs.CheckedForm):
    formula = forms.CharField(
        label=_("计算公式"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "mono", "spellcheck": "false"}),
        help_text=_("可用的变量和函数见下方说明；引用的规则须已登记为检查项（R-O14）。"),
    )
    description = forms.CharField(
        label=_("方案说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    max_score = forms.DecimalField(label=_("满分"), min_value=1, max_value=1000, decimal_places=1, initial=100)
    confirm = forms.BooleanField(label=_("确定为本年度考核方案"), required=False)


class StudyReportForm(inputs.CheckedForm):
    # Searched (issue 15), among where the user files 述学 and who delivers it (R-O22).
    organization = widgets.OrganizationSearchField(label=_("所在单位"), scope="directory.view")
    person = widgets.PersonSearchField(label=_("述学人"), scope="directory.view")
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("题目"), max_length=200)
    delivered_on = forms.DateField(label=_("述学日期"), widget=widgets.DateInput())
    summary = forms.CharField(label=_("述学内容摘要"), widget=forms.Textarea(attrs={"rows": 6}))
    file = forms.FileField(label=_("述学材料"), required=False)
    rating = forms.ChoiceField(
        label=_("评议等次"), choices=[("", _("未评议")), *StudyReport.Rating.choices], required=False
    )
    rating_note = forms.CharField(label=_("评议意见"), max_length=300, required=False)

    def __init__(self, *args: Any, units: Any, people: Any, can_rate: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].limit(units, report=1)
        self.fields["person"].limit(people, report=1)
        params = get_parameters()
        self.fields["file"].help_text = _("可选。单个文件不超过 %(mb)s MB，类型：%(types)s。请勿上传涉密材料。") % {
            "mb": params.max_upload_mb,
            "types": _("、").join(params.upload_extensions),
        }
        self.fields["file"].widget.attrs["accept"] = ",".join("." + e for e in params.upload_extensions)
        if not can_rate:
            del self.fields["rating"]
            del self.fields["rating_note"]


class ReportFilterForm(inputs.CheckedForm):
    """The 述学 list's unit filter: searched (htmx), not a <select> of every unit (issue 15);
    `units` is the policy-scoped queryset the view passes."""

    unit = widgets.OrganizationSearchField(label=_("单位"), scope="study.view", required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
