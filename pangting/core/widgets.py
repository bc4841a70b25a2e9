"""Date, date-time and time inputs every form uses (issue 10 item 5: no silent loss in forms).

The browser's `<input type="date">` accepts only `YYYY-MM-DD` (`datetime-local`: `YYYY-MM-DDTHH:MM`,
`time`: `HH:MM`). Django renders a widget's initial value with the active locale's format
(`2026/12/31` in zh-hans), which the browser rejects and shows blank: saving an unrelated edit then
wipes the date. These widgets pin the format the browser accepts, whatever the locale. Parsing is
unaffected: Django's date fields always accept the ISO formats too.
"""

from __future__ import annotations

import re
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
        self.params: dict[str, str] = {}  # the endpoint's narrowing, as the form's queryset (`SearchField.limit`)

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
        query.update(self.params)
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
            '<span class="org-search" data-org-search data-testid="org-search-{name}">{box}'
            '<input type="hidden" name="{name}" value="{chosen}"{disabled}>'
            '<span class="org-search-results" aria-live="polite"></span></span>',
            name=name,
            box=self.search_box(name, text, placeholder, disabled),
            chosen=chosen,
            disabled=disabled,
        )

    def search_box(self, name: str, text: str, placeholder: str, disabled: str = "") -> Any:
        """The typed box that asks the search endpoint as the user types (htmx)."""
        from django.utils.html import format_html

        return format_html(
            '<input type="search" name="{name}{suffix}" value="{text}" placeholder="{placeholder}" '
            'aria-label="{placeholder}" autocomplete="off" hx-get="{url}" '
            'hx-trigger="input changed delay:250ms, search" hx-target="next .org-search-results" '
            'hx-swap="innerHTML" hx-sync="this:replace"{disabled}>',
            name=name,
            suffix=SEARCH_TEXT_SUFFIX,
            text=text,
            placeholder=placeholder,
            url=self.search_url(name),
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

    def limit(self, queryset: Any, **params: Any) -> None:
        """Accept only `queryset` (policy-scoped) and have the search box ask its endpoint with
        `params`, the same narrowing read from the same policy function (`orgs.views`)."""
        self.queryset = queryset
        self.widget.params = {key: str(value) for key, value in params.items()}

    def prepare_value(self, value: Any) -> Any:
        """An initial id (a `?org=` link, a model form's instance) shows its record's name."""
        if isinstance(value, int | str) and str(value).isascii() and str(value).isdigit() and len(str(value)) < 19:
            found = self.queryset.filter(pk=int(value)).first() if self.queryset is not None else None
            return found if found is not None else value
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        chosen, text = _pair(data)
        if text and not chosen:
            return True  # a typed name to match (no JavaScript): an extra formset row is not empty
        return _pair(initial)[0] != chosen


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


# --- several records (a training's trainees, a standing team's members and units): the chosen
# ones are ticked boxes, more are searched -------------------------------------------------------

SEPARATORS = re.compile(r"[\s,;\uff0c\u3001\uff1b]+")  # spaces, commas (also ideographic), semicolons


class SeveralSearchInput(SearchInput):
    """The chosen records as ticked boxes (untick to drop one) and a search box that adds more;
    its value is the pair (ids, typed text). Without JavaScript several names (or codes, staff
    numbers) are typed, separated by “、” or commas."""

    placeholder = _("输入党组织名称或编码搜索，可输入多个，以“、”分隔")

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[list[str], str]:
        ids = data.getlist(name) if hasattr(data, "getlist") else list(data.get(name) or [])
        text = str(data.get(name + SEARCH_TEXT_SUFFIX) or "").strip()
        return [str(pk).strip() for pk in ids if str(pk).strip()], text

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> Any:
        from django.utils.html import format_html, format_html_join

        chosen, text = value if isinstance(value, tuple) else (list(value or ()), "")
        final = self.build_attrs(self.attrs, attrs)
        placeholder = final.get("placeholder") or str(self.placeholder)
        boxes = format_html_join(
            "",
            '<label class="org-search-chosen-item"><input type="checkbox" name="{}" value="{}" checked> {}</label>',
            ((name, record.pk, self.label(record)) for record in chosen if hasattr(record, "pk")),
        )
        return format_html(
            '<span class="org-search" data-org-search data-org-search-multiple data-name="{name}" '
            'data-testid="org-search-{name}"><span class="org-search-chosen">{boxes}</span>{box}'
            '<span class="org-search-results" aria-live="polite"></span></span>',
            name=name,
            box=self.search_box(name, text, placeholder),
            boxes=boxes,
        )


class PeopleSearchInput(SeveralSearchInput):
    url_name = "orgs:person_search"
    placeholder = _("输入姓名或工号搜索，可输入多个，以“、”分隔")

    def label(self, value: Any) -> str:
        return person_label(value)


class _Several:
    """Several records of `queryset`: ids ticked from the search, or names typed (each matched as
    the single field matches one; a namesake is refused)."""

    queryset: Any
    required: bool
    error_messages: dict[str, Any]

    def to_python(self, value: Any) -> list[Any]:
        ids, text = value if isinstance(value, tuple) else (list(value or ()), "")
        found: dict[int, Any] = {}
        if ids:
            if self.queryset is None or not all(pk.isascii() and pk.isdigit() and len(pk) < 19 for pk in ids):
                raise forms.ValidationError(self.error_messages["outside"], code="outside")
            wanted = {int(pk) for pk in ids}
            chosen = {record.pk: record for record in self.queryset.filter(pk__in=wanted)}
            if set(chosen) != wanted:
                raise forms.ValidationError(self.error_messages["outside"], code="outside")
            found.update(chosen)
        for word in SEPARATORS.split(printable(text)):
            if word:
                record = super().to_python(("", word))  # type: ignore[misc]
                found[record.pk] = record
        return list(found.values())

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def prepare_value(self, value: Any) -> Any:
        """The bound pair as posted, with the ticked ids read back as records (to show their names)."""
        if isinstance(value, tuple):
            return self._records(value[0]), value[1]
        return self._records(value or ())

    def _records(self, values: Any) -> list[Any]:
        texts = (str(getattr(value, "pk", value)) for value in values)
        ids = [int(text) for text in texts if text.isascii() and text.isdigit() and len(text) < 19]
        if not ids or self.queryset is None:
            return []
        found = self.queryset.filter(pk__in=ids[:200])
        return list(found.select_related("organization") if found.model.__name__ == "Person" else found)

    def has_changed(self, initial: Any, data: Any) -> bool:
        ids, text = data if isinstance(data, tuple) else (list(data or ()), "")
        before = {str(getattr(v, "pk", v)) for v in (initial or ())}
        return bool(text) or before != set(ids)


class OrganizationsSearchField(_Several, SearchField):
    widget = SeveralSearchInput


class PeopleSearchField(_Several, PersonSearchField):
    widget = PeopleSearchInput
