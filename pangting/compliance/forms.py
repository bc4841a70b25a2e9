"""Forms of the compliance pages: one rule parameter on the rule-parameters page; the findings filters.

The form checks what the request carries (a declared rule and parameter, a value of the
parameter's kind, a note that fits); the change itself goes through
`services.set_rule_parameter`, which validates again under its lock and keeps the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pangting.core import inputs, parameters, widgets
from pangting.core.views import parse_year


class RuleParameterForm(inputs.CheckedForm):
    """One parameter of one rule (R-…), as posted by a row of the rule-parameters page."""

    rule = forms.CharField(label=_("规则"), max_length=8)
    name = forms.CharField(label=_("参数"), max_length=40)
    # Not `required`: an empty value gets the parameter's own message ("取值无效：…"), as any bad value.
    value = forms.CharField(label=_("取值"), required=False, strip=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        param = parameters.find(data["rule"], data["name"])  # ValidationError: unknown rule or parameter
        param.parse(data["value"])  # ValidationError in Chinese, by the parameter's kind
        return data

    def error_lines(self) -> list[str]:
        """Every error as one line, for the page's flash messages."""
        return [str(message) for errors in self.errors.values() for message in errors]


def form_error(form: RuleParameterForm) -> ValidationError:
    return ValidationError(form.error_lines())


class FindingFilterForm(inputs.CheckedForm):
    """The findings page's filters. A filter never refuses: anything it does not recognise falls back
    to its default (this year, every unit in reach, every rule, open findings), as the page always did;
    a unit outside the user's reach is also said (in Chinese) beside the fallback."""

    year = forms.CharField(required=False)
    # Issue 15: the unit is searched (htmx), not a <select> of every unit; `units` is policy-scoped.
    unit = widgets.OrganizationSearchField(label=_("单位"), scope="compliance.view", units_only=True, required=False)
    rule = forms.CharField(required=False)
    show = forms.CharField(required=False)

    def __init__(self, data: Any, *, rule_ids: Iterable[str], units: Any, default_year: int) -> None:
        super().__init__(data)
        self.rule_ids = set(rule_ids)
        self.fields["unit"].queryset = units
        self.default_year = default_year

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        return {
            "year": parse_year(data.get("year")) or self.default_year,
            "unit": data.get("unit"),
            "rule": data.get("rule") if data.get("rule") in self.rule_ids else "",
            "show": "all" if data.get("show") == "all" else "open",
        }

    def filters(self) -> dict[str, Any]:
        """year, unit (one of `units` or None), rule ("" for all), show ("open" or "all")."""
        self.is_valid()
        return self.cleaned_data
