from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pangting.core import inputs, widgets

from .models import CHECKLIST_POINTS, DocumentReview, Forum, Mode, OnSiteComment, Semester, SpotQuestion, Talk


def date_input() -> forms.DateInput:
    return widgets.DateInput()


class VisitForm(inputs.CheckedForm):
    unit = widgets.OrganizationSearchField(label=_("旁听单位"), scope="observation.manage", units_only=True)
    mode = forms.ChoiceField(label=_("方式"), choices=Mode.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    semester = forms.TypedChoiceField(label=_("学期"), choices=Semester.choices, coerce=int)
    target_month = forms.IntegerField(label=_("计划月份"), min_value=1, max_value=12, required=False)
    leader = widgets.PersonSearchField(
        label=_("组长"),
        scope="observation.manage",
        required=False,
        help_text=_("留空则按领导联系单位自动确定（R-O3）。"),
    )
    liaison = widgets.PersonSearchField(label=_("联络员"), scope="observation.manage", required=False)
    focus = forms.CharField(label=_("旁听重点"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, units: Any, people: Any, leaders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["leader"].limit(leaders, leaders=1)  # the school leaders of `people` (R-O3)
        self.fields["liaison"].queryset = people


class DeliveryForm(inputs.CheckedForm):
    delivered_on = forms.DateField(label=_("送达日期"), widget=date_input())


class ReplyForm(inputs.CheckedForm):
    """R-O4: the unit's reply, sent now (the send time is the reply's time): session, details, plan."""

    session = forms.ModelChoiceField(label=_("学习会"), queryset=None)
    notes = forms.CharField(label=_("商定事项"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    plan_file = forms.FileField(
        label=_("学习会方案"),
        required=False,
        help_text=_("可上传本单位的学习会方案（PDF、Word）；不上传则按所选学习会生成。不得上传涉密材料。"),
    )

    def __init__(self, *args: Any, sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions


class ScheduleInvitedForm(inputs.CheckedForm):
    """R-O2: the session of the unit an invited visit will sit in."""

    session = forms.ModelChoiceField(label=_("学习会"), queryset=None)

    def __init__(self, *args: Any, sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions


class ReasonForm(inputs.CheckedForm):
    reason = forms.CharField(label=_("原因"), max_length=300)


class RecordForm(inputs.CheckedForm):
    organization_findings = forms.CharField(
        label=_("1.组织领导"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    content_findings = forms.CharField(label=_("2.学习内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    method_findings = forms.CharField(label=_("3.学习方式"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    effect_findings = forms.CharField(label=_("4.学习效果"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    problems = forms.CharField(label=_("存在问题"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    suggestions = forms.CharField(label=_("意见建议"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(
        self, *args: Any, rubric_items: list[dict[str, Any]], observers: Sequence[Any] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rubric_items = rubric_items
        self.observers = list(observers)
        for item in rubric_items:
            self.fields[f"score_{item['key']}"] = forms.DecimalField(
                label=_("{label}得分（权重{weight}）").format(label=item["label"], weight=item["weight"]),
                min_value=0,
                max_value=100,
                decimal_places=1,
                required=False,
                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
            )

        # R-O18: each observer's own composite score, optional, besides the team's scores above.
        for person in self.observers:
            self.fields[f"observer_{person.pk}"] = forms.DecimalField(
                label=_("{name}个人综合评分（可选）").format(name=person.name),
                min_value=0,
                max_value=100,
                decimal_places=1,
                required=False,
                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
            )

    def scores(self) -> dict[str, str]:
        return {
            item["key"]: str(self.cleaned_data[f"score_{item['key']}"])
            for item in self.rubric_items
            if self.cleaned_data.get(f"score_{item['key']}") is not None
        }

    def observer_scores(self) -> dict[int, str]:
        """Each observer's own score by person id ("" where left blank: removes a score)."""
        return {
            person.pk: "" if self.cleaned_data.get(f"observer_{person.pk}") is None
            else str(self.cleaned_data[f"observer_{person.pk}"])
            for person in self.observers
        }  # fmt: skip


class TalkForm(inputs.CheckedModelForm):
    class Meta:
        model = Talk
        fields = ["person_name", "person_role", "method", "held_on", "notes"]
        widgets = {"held_on": date_input(), "notes": forms.Textarea(attrs={"rows": 2})}


class DocumentReviewForm(inputs.CheckedModelForm):
    class Meta:
        model = DocumentReview
        fields = ["kind", "period_from", "period_to", "notes"]
        widgets = {"period_from": date_input(), "period_to": date_input(), "notes": forms.Textarea(attrs={"rows": 2})}


class ForumForm(inputs.CheckedModelForm):
    class Meta:
        model = Forum
        fields = ["held_on", "topic", "participants", "notes"]
        widgets = {"held_on": date_input(), "notes": forms.Textarea(attrs={"rows": 2})}


class OnSiteCommentForm(inputs.CheckedModelForm):
    class Meta:
        model = OnSiteComment
        fields = ["commenter", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 2})}


class SpotQuestionForm(inputs.CheckedModelForm):
    class Meta:
        model = SpotQuestion
        fields = ["question", "answered_by", "answer", "result"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 2})}


class ObservedForm(inputs.CheckedForm):
    """R-O5: who of the team was there; everyone is ticked to begin with."""

    attendees = forms.MultipleChoiceField(
        label=_("到场的旁听组成员"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, team: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attendees"]
        field.choices = [  # type: ignore[attr-defined]
            (str(m.pk), gettext("{name}（{role}）").format(name=m.person.name, role=m.get_role_display())) for m in team
        ]
        field.initial = [str(m.pk) for m in team]


class FeedbackForm(inputs.CheckedForm):
    summary = forms.CharField(label=_("总体评价"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    suggestions = forms.CharField(label=_("意见建议"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in CHECKLIST_POINTS:
            self.fields[f"problem_{key}"] = forms.BooleanField(label=_(label), required=False)
            self.fields[f"evidence_{key}"] = forms.CharField(label=_("依据"), required=False, max_length=500)

    def checklist(self) -> dict[str, dict[str, Any]]:
        return {
            key: {
                "problem": self.cleaned_data.get(f"problem_{key}", False),
                "evidence": self.cleaned_data.get(f"evidence_{key}", ""),
            }
            for key, _label in CHECKLIST_POINTS
        }

    def point_rows(self) -> list[tuple[str, Any, Any]]:
        return [(_(label), self[f"problem_{key}"], self[f"evidence_{key}"]) for key, label in CHECKLIST_POINTS]


class RectificationPlanForm(inputs.CheckedForm):
    measure = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 3}))
    owner = widgets.PersonSearchField(label=_("责任人"), scope="directory.view", required=False)
    deadline = forms.DateField(label=_("整改期限"), widget=date_input(), required=False)

    def __init__(self, *args: Any, people: Any, unit: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].limit(people, under=unit.pk)  # the unit's subtree (R-O25)


class ProblemItemForm(inputs.CheckedForm):
    """R-O25: a problem on a unit's own list; the deadline defaults to the configured working days."""

    unit = widgets.OrganizationSearchField(
        label=_("整改单位"), scope="observation.reply,observation.manage", units_only=True
    )
    problem = forms.CharField(label=_("问题"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    measure = forms.CharField(label=_("整改措施"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(
        label=_("整改期限"), widget=date_input(), required=False, help_text=_("不填则按规定的工作日数自动确定。")
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class RectificationReportForm(inputs.CheckedForm):
    unit_report = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 4}))


class EvidenceForm(inputs.CheckedForm):
    file = forms.FileField(label=_("佐证材料"), help_text=_("PDF、Word、Excel、图片或文本，不得上传涉密材料。"))


class VerifyForm(inputs.CheckedForm):
    accept = forms.TypedChoiceField(
        label=_("验收结论"), choices=[("1", _("通过验收")), ("0", _("退回重改"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("验收意见"), max_length=300, required=False)


class CommitteeDecisionForm(inputs.CheckedForm):
    """R-O20: the party committee meeting that decided the year's plan."""

    meeting = forms.CharField(label=_("党委会议"), max_length=120, help_text=_("如：党委常委会2026年第3次会议"))
    day = forms.DateField(label=_("会议日期"), widget=date_input())
    document = forms.FileField(label=_("会议决定文件"), required=False, help_text=_("PDF、Word或图片。"))
