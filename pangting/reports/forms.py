"""Forms of the bulletin and annual summary pages (R-O15)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pangting.core import clock, inputs
from pangting.orgs.models import Organization

from .documents import SECTIONS
from .models import DocumentKind, ReportDocument
from .services import MAX_YEAR, MIN_YEAR, SECTION_MAX_CHARS

SEMESTER_CHOICES = [("", _("全年")), ("1", _("春季学期")), ("2", _("秋季学期"))]


class DocumentCreateForm(inputs.CheckedForm):
    """Which document to draft: kind, year and, for a bulletin, optionally one semester."""

    organization = forms.ModelChoiceField(label=_("督导组织"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(label=_("类型"), choices=DocumentKind.choices)
    year = forms.IntegerField(label=_("年度"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    semester = forms.TypedChoiceField(
        label=_("统计期间"),
        choices=SEMESTER_CHOICES,
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("通报可按学期统计；年度总结按全年统计。"),
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("year", clock.today().year)
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0]
            self.fields["organization"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == DocumentKind.SUMMARY and data.get("semester"):
            self.add_error("semester", _("年度总结按全年统计，不分学期。"))
        return data


class SectionsForm(inputs.CheckedForm):
    """The title and one text box per section of the document's kind."""

    title = forms.CharField(label=_("标题"), max_length=200)

    def __init__(self, *args: Any, document: ReportDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in SECTIONS[document.kind]:
            self.fields[key] = forms.CharField(
                label=_(label),
                max_length=SECTION_MAX_CHARS,
                widget=forms.Textarea(attrs={"rows": 8}),
                help_text=_("每行为一个自然段。"),
            )
        if document.status == ReportDocument.Status.ISSUED:
            self.fields["title"].disabled = True
            self.fields["title"].help_text = _("已印发的文稿不能修改标题。")

    def sections(self) -> dict[str, str]:
        return {key: value for key, value in self.cleaned_data.items() if key != "title"}
