"""Every date, date-time and time input renders in the format the browser accepts (issue 10 item 5)."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil

import pytest
from django import forms
from django.utils import translation

import pangting
from pangting.core import widgets

SHARED = {
    forms.DateField: widgets.DateInput,
    forms.DateTimeField: widgets.DateTimeInput,
    forms.TimeField: widgets.TimeInput,
}


def _form_classes() -> list[type[forms.BaseForm]]:
    """The forms of every app's pages: modules named forms / views* (admin forms keep the admin's widgets)."""
    for info in pkgutil.walk_packages(pangting.__path__, "pangting."):
        leaf = info.name.rsplit(".", 1)[-1]
        if ".tests" in info.name or ".migrations" in info.name:
            continue
        if leaf == "forms" or leaf.startswith("views"):
            importlib.import_module(info.name)
    found, todo = [], [forms.Form, forms.ModelForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("pangting.") and ".tests" not in cls.__module__:
            found.append(cls)
    return found


def test_it_finds_the_forms_with_dates():
    names = {cls.__name__ for cls in _form_classes()}
    assert {"RectificationPlanForm", "SessionForm", "DeliveryForm", "MemberForm", "StudyReportForm"} <= names


@pytest.mark.parametrize("form_class", _form_classes(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_it_renders_every_date_field_with_the_shared_browser_widget(form_class):
    for name, field in form_class.base_fields.items():
        for field_type, widget_type in SHARED.items():
            if isinstance(field, field_type):
                assert isinstance(field.widget, widget_type), f"{form_class.__name__}.{name}: {field.widget!r}"


@pytest.mark.parametrize(
    ("widget", "value", "rendered", "input_type"),
    [
        (widgets.DateInput(), dt.date(2026, 12, 31), 'value="2026-12-31"', 'type="date"'),
        (widgets.DateTimeInput(), dt.datetime(2026, 12, 31, 9, 5), 'value="2026-12-31T09:05"', 'type="datetime-local"'),
        (widgets.TimeInput(), dt.time(14, 30), 'value="14:30"', 'type="time"'),
    ],
)
def test_it_renders_the_browser_format_in_the_chinese_locale(widget, value, rendered, input_type):
    # zh-hans would otherwise render 2026/12/31, which <input type="date"> shows blank.
    with translation.override("zh-hans"):
        html = widget.render("d", value)
    assert rendered in html
    assert input_type in html


def test_it_parses_back_what_it_rendered():
    field = forms.DateField(widget=widgets.DateInput())
    with translation.override("zh-hans"):
        assert field.clean(field.widget.format_value(dt.date(2026, 12, 31))) == dt.date(2026, 12, 31)
