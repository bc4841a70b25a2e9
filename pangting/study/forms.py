"""Forms of the study pages. They parse; the services validate the rules and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pangting.core import inputs, widgets

from .models import (
    AgendaItem,
    Attachment,
    PlanKind,
    PlanTheme,
    Reflection,
    SecretaryTraining,
    SessionKind,
    StudyOutcome,
    StudySession,
)
from .parameters import get_parameters

DATETIME = widgets.DateTimeInput()
DATE = widgets.DateInput()
DATETIME_FORMATS = widgets.DATETIME_INPUT_FORMATS


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class SessionForm(inputs.CheckedModelForm):
    class Meta:
        model = StudySession
        fields = [
            "organization", "kind", "title", "content", "plan_theme", "starts_at", "ends_at", "place",
            "host", "host_post", "led_by", "participants_note", "contact_name", "contact_phone",
            "lecturer_name", "lecturer_post", "lecturer_person", "summary",
        ]  # fmt: skip
        widgets = {
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "content": _text(4),
            "participants_note": _text(2),
            "summary": _text(4),
            "contact_phone": forms.TextInput(attrs={"type": "tel"}),
        }

    # Searched, not a <select> of every organization or person in reach (issue 15).
    organization = widgets.OrganizationSearchField(label=_("党组织"), scope="study.change")
    host = widgets.PersonSearchField(label=_("主持人"), scope="study.change", required=False)
    led_by = widgets.PersonSearchField(
        label=_("领学人"), scope="study.change", required=False, help_text=_("R-S12：书记领学。")
    )
    lecturer_person = widgets.PersonSearchField(
        label=_("授课人（本校人员）"), scope="study.change", required=False,
        help_text=_("R-B3：党课由二级党组织书记讲授时选此项。"),
    )  # fmt: skip

    def __init__(self, *args: Any, organizations: Any, people: Any, themes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].limit(organizations)
        for name in ("host", "led_by", "lecturer_person"):
            self.fields[name].limit(people)
        self.fields["plan_theme"].queryset = themes
        self.fields["plan_theme"].label_from_instance = lambda t: _("{year}年 {period_label}：{theme}").format(
            year=t.plan.year, period_label=t.period_label, theme=t.theme
        )
        self.fields["starts_at"].input_formats = widgets.DATETIME_INPUT_FORMATS
        self.fields["ends_at"].input_formats = self.fields["starts_at"].input_formats
        if self.instance.pk:
            # The time changes only through a reschedule with a reason (R-S11).
            for name in ("starts_at", "ends_at", "organization", "kind"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("改期请使用“改期”功能并填写原因（R-S11）。") if "at" in name else ""
        else:
            self.fields.pop("summary")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("结束时间不能早于或等于开始时间。"))
        return data


class AgendaItemForm(inputs.CheckedForm):
    kind = forms.ChoiceField(label=_("议题类型"), choices=AgendaItem.Kind.choices)
    title = forms.CharField(label=_("议程内容"), max_length=300, required=False)
    presenter = forms.CharField(label=_("报告/领学人"), max_length=100, required=False)
    # R-S4: what the 第一议题 studies: the speech or instruction and its date.
    source = forms.CharField(label=_("讲话/指示出处"), max_length=300, required=False)
    source_date = forms.DateField(label=_("讲话/指示日期"), widget=DATE, required=False)


class SpeakerForm(inputs.CheckedForm):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    person = widgets.PersonSearchField(label=_("发言人"), scope="study.change", required=False)
    speaker_name = forms.CharField(label=_("发言人姓名"), max_length=50, required=False)
    post = forms.CharField(label=_("职务"), max_length=100, required=False)
    outline = forms.CharField(label=_("发言提纲"), widget=_text(2), required=False)
    written_text = forms.CharField(label=_("书面发言材料"), widget=_text(3), required=False)
    file = forms.FileField(label=_("或上传书面发言材料"), required=False)

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].limit(people)


# Rows are added in the page ("增加一行", or without JavaScript by the server) and removed with
# their DELETE box; a session has at most MAX_ROWS agenda items and as many speakers.
MAX_ROWS = 60
AgendaFormSet = formset_factory(AgendaItemForm, extra=0, can_delete=True, max_num=MAX_ROWS, validate_max=True)
SpeakerFormSet = formset_factory(SpeakerForm, extra=0, can_delete=True, max_num=MAX_ROWS, validate_max=True)


class RescheduleForm(inputs.CheckedForm):
    starts_at = forms.DateTimeField(
        label=_("新开始时间"), widget=DATETIME, input_formats=widgets.DATETIME_INPUT_FORMATS
    )
    ends_at = forms.DateTimeField(label=_("新结束时间"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    reason = forms.CharField(label=_("改期原因"), max_length=300)


class ReasonForm(inputs.CheckedForm):
    reason = forms.CharField(label=_("原因"), max_length=300)


class VettingForm(inputs.CheckedForm):
    approved = forms.TypedChoiceField(
        label=_("审核结论"),
        choices=[("1", _("审核通过")), ("0", _("审核未通过"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("审核意见"), max_length=300, required=False)


class AttachmentForm(inputs.CheckedForm):
    kind = forms.ChoiceField(label=_("类型"), choices=Attachment.Kind.choices)
    file = forms.FileField(label=_("文件"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        params = get_parameters()
        self.fields["file"].help_text = _("单个文件不超过 %(mb)s MB，类型：%(types)s。") % {
            "mb": params.max_upload_mb,
            "types": _("、").join(params.upload_extensions),
        }
        self.fields["file"].widget.attrs["accept"] = ",".join("." + e for e in params.upload_extensions)


class MakeupForm(inputs.CheckedForm):
    makeup_done_on = forms.DateField(label=_("补学日期"), widget=DATE)
    makeup_note = forms.CharField(label=_("补学情况"), max_length=300)


class AddAttendeeForm(inputs.CheckedForm):
    person = widgets.PersonSearchField(label=_("人员"), scope="study.change")
    # R-S20: someone outside the group sits in (列席); recorded, not counted in the rate.
    as_observer = forms.BooleanField(label=_("列席（不计入参学率）"), required=False)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].limit(people)


class PlanForm(inputs.CheckedForm):
    organization = widgets.OrganizationSearchField(label=_("党组织"), scope="study.change")
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("类型"), choices=PlanKind.choices)
    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    note = forms.CharField(label=_("说明"), widget=_text(3), required=False)

    def __init__(self, *args: Any, organizations: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].limit(organizations)
        if editing:
            for name in ("organization", "year", "kind"):
                self.fields[name].disabled = True
                self.fields[name].required = False


class ThemeForm(inputs.CheckedForm):
    period_kind = forms.ChoiceField(label=_("周期"), choices=PlanTheme.PeriodKind.choices)
    period = forms.IntegerField(label=_("月份/季度"), min_value=1, max_value=12, required=False)
    theme = forms.CharField(label=_("学习专题"), max_length=200, required=False)
    materials = forms.CharField(label=_("学习材料"), widget=_text(2), required=False)
    # R-S5/R-S16: tags from the configured list; R-S17: the upper level's theme it follows.
    topics = forms.MultipleChoiceField(
        label=_("专题标签"), choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    upper_theme = forms.TypedChoiceField(
        label=_("对应上级专题"), choices=(), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, upper: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = [(t, t) for t in get_parameters().topic_tags]
        self.fields["upper_theme"].choices = [
            ("", _("（无）")),
            *[(t.pk, f"{t.period_label} {t.theme}") for t in upper],
        ]


ThemeFormSet = formset_factory(ThemeForm, extra=0)


class SelfStudyPlanForm(inputs.CheckedForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    goals = forms.CharField(label=_("学习目标与书目"), widget=_text(4))
    tasks = forms.CharField(label=_("年度学习任务"), widget=_text(3), required=False)
    completed_on = forms.DateField(label=_("完成年度任务日期"), widget=DATE, required=False)


class SelfStudyRecordForm(inputs.CheckedForm):
    studied_on = forms.DateField(label=_("学习日期"), widget=DATE, initial=timezone.localdate)
    material = forms.CharField(label=_("学习内容/篇目"), max_length=300)
    hours = forms.DecimalField(label=_("学时"), min_value=0.5, max_value=24, decimal_places=1, initial=1)
    notes = forms.CharField(label=_("学习笔记"), widget=_text(3), required=False)
    session = forms.ModelChoiceField(label=_("为哪次学习会准备"), queryset=StudySession.objects.none(), required=False)

    def __init__(self, *args: Any, sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions


class ReflectionForm(inputs.CheckedForm):
    kind = forms.ChoiceField(label=_("类型"), choices=Reflection.Kind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    text = forms.CharField(label=_("正文"), widget=_text(8))
    session = forms.ModelChoiceField(label=_("对应学习会"), queryset=StudySession.objects.none(), required=False)

    def __init__(self, *args: Any, sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions


class TrainingForm(inputs.CheckedForm):
    organization = widgets.OrganizationSearchField(label=_("组织单位"), scope="study.change")
    held_on = forms.DateField(label=_("培训日期"), widget=DATE)
    title = forms.CharField(label=_("培训主题"), max_length=200)
    content = forms.CharField(label=_("培训内容"), widget=_text(3), required=False)
    hours = forms.DecimalField(label=_("学时"), min_value=0.5, max_value=100, decimal_places=1, initial=2)
    audience = forms.ChoiceField(
        label=_("培训对象"), choices=SecretaryTraining.Audience.choices,
        help_text=_("党支部书记（R-B6）或学习秘书（R-S18），均每年至少培训一次。"),
    )  # fmt: skip
    trainees = widgets.PeopleSearchField(label=_("参训人员"), scope="study.change", required=False)

    def __init__(self, *args: Any, organizations: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].limit(organizations)
        self.fields["trainees"].limit(people)


class ResearchForm(inputs.CheckedForm):
    """R-S21: who researched what before the session (named in the session plan)."""

    researcher_name = forms.CharField(label=_("调研人"), max_length=50)
    topic = forms.CharField(label=_("调研题目"), max_length=200)
    done_on = forms.DateField(label=_("调研日期"), widget=DATE, required=False)
    findings = forms.CharField(label=_("调研发现"), widget=_text(3), required=False)


class OutcomeForm(inputs.CheckedForm):
    """R-S19: a study outcome and when its conversion into work is due."""

    organization = widgets.OrganizationSearchField(label=_("党组织"), scope="study.change")
    kind = forms.ChoiceField(label=_("成果类型"), choices=StudyOutcome.Kind.choices)
    title = forms.CharField(label=_("成果名称"), max_length=200)
    description = forms.CharField(label=_("成果内容"), widget=_text(3), required=False)
    recorded_on = forms.DateField(label=_("形成日期"), widget=DATE)
    responsible = forms.CharField(label=_("转化责任人"), max_length=100, required=False)
    conversion_due = forms.DateField(label=_("转化完成期限"), widget=DATE, required=False)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].limit(organizations)


class ConversionForm(inputs.CheckedForm):
    """R-S19: the outcome has been turned into work."""

    converted_on = forms.DateField(label=_("转化完成日期"), widget=DATE)
    note = forms.CharField(label=_("转化成效"), widget=_text(2))


class CadreBranchForm(inputs.CheckedForm):
    """R-B7 双重组织生活: the branch a leading cadre belongs to, from a date."""

    person = widgets.PersonSearchField(label=_("领导干部"), scope="study.change")
    branch = widgets.OrganizationSearchField(label=_("所在党支部"), scope="study.change")
    since = forms.DateField(label=_("起始日期"), widget=DATE)

    def __init__(self, *args: Any, people: Any, branches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].limit(people)
        self.fields["branch"].limit(branches, kind="branch")


class SessionFilterForm(inputs.CheckedForm):
    FLAGS = [
        ("", _("全部")),
        ("low_rate", _("参学率不达标")),
        ("late", _("报送逾期")),
        ("no_first_item", _("无第一议题")),
        ("rescheduled", _("多次改期")),
    ]
    # Issue 15: searched (htmx), not a <select> of every organization; `organizations` is scoped.
    org = widgets.OrganizationSearchField(label=_("党组织"), scope="study.view", required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("全部类型")), *SessionKind.choices], required=False)
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部状态")), *StudySession.Status.choices], required=False
    )
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("月份"), required=False, min_value=1, max_value=12)
    flag = forms.ChoiceField(label=_("问题"), choices=FLAGS, required=False)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = organizations


class PaperApprovalForm(inputs.CheckedForm):
    """R-S15: the leader's approval given on paper, recorded by the study secretary."""

    paper_approved_on = forms.DateField(label=_("审定日期"), required=False, widget=DATE)
    approval_scan = forms.FileField(label=_("审定件扫描件"), required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approval_scan"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png"
