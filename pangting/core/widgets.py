"""Date, date-time and time inputs every form uses (issue 10 item 5: no silent loss in forms).

The browser's `<input type="date">` accepts only `YYYY-MM-DD` (`datetime-local`: `YYYY-MM-DDTHH:MM`,
`time`: `HH:MM`). Django renders a widget's initial value with the active locale's format
(`2026/12/31` in zh-hans), which the browser rejects and shows blank: saving an unrelated edit then
wipes the date. These widgets pin the format the browser accepts, whatever the locale. Parsing is
unaffected: Django's date fields always accept the ISO formats too.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

BROWSER_DATE_FORMAT = "%Y-%m-%d"
BROWSER_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
BROWSER_TIME_FORMAT = "%H:%M"
DATETIME_INPUT_FORMATS = [BROWSER_DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=BROWSER_DATE_FORMAT)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=BROWSER_DATETIME_FORMAT)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=BROWSER_TIME_FORMAT)


# --- record search (issue 15: no <select> of every organization or person) -------------------
#
# A form's organization (or person) is a text field searched as one types (htmx asks a scoped
# endpoint, `orgs:organization_search` or `orgs:person_search`, for at most 20 matches;
# `js/org-search.js` puts the chosen id into the hidden field). Without JavaScript the typed text
# is submitted and matched on the server. Either way the form validates through the queryset the
# view passes in, which the policy scoped: an id or a name outside the user's reach is a Chinese
# error, never a 500.

SEARCH_TEXT_SUFFIX = "_text"
SEARCH_LIMIT = 20


def printable(text: str) -> str:
    """The typed text as searched: printable characters only (a NUL would fail on PostgreSQL), short."""
    return "".join(ch for ch in text if ch.isprintable()).strip()[:100]


def search_filter(text: str) -> models.Q:
    """Organizations whose name or short name contains `text`, or whose code starts with it."""
    return models.Q(name__contains=text) | models.Q(short_name__contains=text) | models.Q(code__istartswith=text)


def person_search_filter(text: str) -> models.Q:
    """People whose name contains `text`, or whose staff number starts with it."""
    return models.Q(name__contains=text) | models.Q(staff_no__istartswith=text)


def person_label(person: Any) -> str:
    """A person as a search lists them: name, then organization and post, so namesakes differ."""
    organization = getattr(person.organization, "display_name", "")
    detail = "·".join(part for part in (organization, person.post) if part)
    return gettext("{name}（{detail}）").format(name=person.name, detail=detail) if detail else person.name


class SearchInput(forms.Widget):
    """A search box plus the hidden chosen id; its value is the pair (id, typed text)."""

    url_name = "orgs:organization_search"
    placeholder = _("输入党组织名称或编码搜索")

    def __init__(self, *, scope: str, units_only: bool = False, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs)
        self.scope = scope
        self.units_only = units_only

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str]:
        return (str(data.get(name) or "").strip(), str(data.get(name + SEARCH_TEXT_SUFFIX) or "").strip())

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and name + SEARCH_TEXT_SUFFIX not in data

    def search_url(self, name: str) -> str:
        from urllib.parse import urlencode

        from django.urls import reverse

        query = {"scope": self.scope, "field": name + SEARCH_TEXT_SUFFIX}
        if self.units_only:
            query["units"] = "1"
        return f"{reverse(self.url_name)}?{urlencode(query)}"

    def label(self, value: Any) -> str:
        return str(getattr(value, "display_name", None) or value)

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> Any:
        from django.utils.html import format_html

        chosen, text = _pair(value, self.label)
        final = self.build_attrs(self.attrs, attrs)
        placeholder = final.get("placeholder") or str(self.placeholder)
        disabled = " disabled" if final.get("disabled") else ""
        return format_html(
            '<span class="org-search" data-org-search data-testid="org-search-{name}">'
            '<input type="search" name="{name}{suffix}" value="{text}" placeholder="{placeholder}" '
            'aria-label="{placeholder}" autocomplete="off" hx-get="{url}" '
            'hx-trigger="input changed delay:250ms, search" hx-target="next .org-search-results" '
            'hx-swap="innerHTML" hx-sync="this:replace"{disabled}>'
            '<input type="hidden" name="{name}" value="{chosen}"{disabled}>'
            '<span class="org-search-results" aria-live="polite"></span></span>',
            name=name,
            suffix=SEARCH_TEXT_SUFFIX,
            text=text,
            placeholder=placeholder,
            url=self.search_url(name),
            chosen=chosen,
            disabled=disabled,
        )


OrganizationSearchInput = SearchInput


class PersonSearchInput(SearchInput):
    url_name = "orgs:person_search"
    placeholder = _("输入姓名或工号搜索")

    def label(self, value: Any) -> str:
        return person_label(value)


def _pair(value: Any, label: Any = str) -> tuple[str, str]:
    """(id, text) from what a bound form holds (the submitted pair) or an initial value."""
    if isinstance(value, tuple):
        return str(value[0] or ""), str(value[1] or "")
    if value is None or value == "":
        return "", ""
    if hasattr(value, "pk"):
        return str(value.pk), label(value)
    return str(value), ""


class SearchField(forms.Field):
    """One record of `queryset` (a policy-scoped queryset the form is given), chosen by id from the
    search or typed (matched on the server when JavaScript is off)."""

    widget = SearchInput
    default_error_messages = {
        "outside": _("所选党组织不存在或不在您的查看范围内。"),
        "not_found": _("没有名称或编码为“%(text)s”的党组织（或不在您的查看范围内）。"),
        "ambiguous": _("有多个党组织与“%(text)s”相符，请输入完整名称或编码，或从搜索结果中选择。"),
    }

    def __init__(self, *, scope: str, units_only: bool = False, queryset: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", self.widget(scope=scope, units_only=units_only))
        super().__init__(**kwargs)
        self.queryset = queryset

    def exact(self, text: str) -> models.Q:
        return models.Q(code__iexact=text) | models.Q(name=text) | models.Q(short_name=text)

    def contains(self, text: str) -> models.Q:
        return search_filter(text)

    def to_python(self, value: Any) -> Any:
        chosen, text = _pair(value)
        if not chosen and not text:
            return None
        if self.queryset is None:
            raise forms.ValidationError(self.error_messages["outside"], code="outside")
        if chosen:
            well_formed = chosen.isascii() and chosen.isdigit() and len(chosen) < 19  # "²" is a digit too
            found = self.queryset.filter(pk=int(chosen)).first() if well_formed else None
            if found is None:
                raise forms.ValidationError(self.error_messages["outside"], code="outside")
            return found
        text = printable(text)
        exact = list(self.queryset.filter(self.exact(text))[:2])
        matches = exact or list(self.queryset.filter(self.contains(text))[:2])
        if not matches:
            raise forms.ValidationError(self.error_messages["not_found"], code="not_found", params={"text": text})
        if len(matches) > 1:
            raise forms.ValidationError(self.error_messages["ambiguous"], code="ambiguous", params={"text": text})
        return matches[0]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return _pair(initial)[0] != _pair(data)[0]


OrganizationSearchField = SearchField


class PersonSearchField(SearchField):
    """One person of `queryset`, searched by name or staff number (namesakes: choose from the list)."""

    widget = PersonSearchInput
    default_error_messages = {
        "outside": _("所选人员不存在或不在您的查看范围内。"),
        "not_found": _("没有姓名或工号为“%(text)s”的人员（或不在您的查看范围内）。"),
        "ambiguous": _("有多名人员与“%(text)s”相符，请从搜索结果中选择，或输入工号。"),
    }

    def exact(self, text: str) -> models.Q:
        return models.Q(staff_no__iexact=text) | models.Q(name=text)

    def contains(self, text: str) -> models.Q:
        return person_search_filter(text)
