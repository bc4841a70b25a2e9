"""The one home of input validators shared by models, forms, imports and API serializers.

Every check answers bad input with a Chinese message (a `ValidationError`), never a 500:
dates within a sane range of years, finite numbers only, no control characters in text, safe
upload file names, and the limits of a workbook import. Ranges and limits come from settings
(`PANGTING_MIN_YEAR`, `PANGTING_MAX_YEAR`, `PANGTING_IMPORT_MAX_*`, from the environment
variables of the same names) so a deployment can change them.

Use them as field validators (`validators=[sane_date]`) where a field is declared, or call
`check_model_fields(instance)` / `check_value(field, value)` to apply them to every field of
a record by its type (RecordModel.clean_fields does so for every business record).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from pangting.lib import inputs as lib_inputs
from pangting.lib.inputs import FILE_NAME_MAX_LENGTH, ImportLimits

__all__ = [
    "FILE_NAME_MAX_LENGTH",
    "CheckedForm",
    "CheckedModelForm",
    "NonNegativeMax",
    "add_input_checks",
    "check_model_fields",
    "check_value",
    "clean_line",
    "clean_text",
    "finite_number",
    "import_limits",
    "safe_file_name",
    "sane_date",
    "year_range",
]


def year_range() -> tuple[int, int]:
    """The years a date may fall in (settings PANGTING_MIN_YEAR / PANGTING_MAX_YEAR, default 1900–2100)."""
    return (
        int(getattr(settings, "PANGTING_MIN_YEAR", lib_inputs.DEFAULT_MIN_YEAR)),
        int(getattr(settings, "PANGTING_MAX_YEAR", lib_inputs.DEFAULT_MAX_YEAR)),
    )


def import_limits() -> ImportLimits:
    """Limits of a workbook import (settings PANGTING_IMPORT_MAX_ROWS, _COLUMNS, _CELLS, _SECONDS)."""
    default = lib_inputs.DEFAULT_IMPORT_LIMITS
    return ImportLimits(
        max_rows=int(getattr(settings, "PANGTING_IMPORT_MAX_ROWS", default.max_rows)),
        max_columns=int(getattr(settings, "PANGTING_IMPORT_MAX_COLUMNS", default.max_columns)),
        max_cells=int(getattr(settings, "PANGTING_IMPORT_MAX_CELLS", default.max_cells)),
        max_seconds=float(getattr(settings, "PANGTING_IMPORT_MAX_SECONDS", default.max_seconds)),
        max_sheet_mb=int(getattr(settings, "PANGTING_IMPORT_MAX_SHEET_MB", default.max_sheet_mb)),
    )


def sane_date(value: Any) -> None:
    """Refuse a date or datetime outside the configured years (a session in 9999 or 0001)."""
    if not isinstance(value, dt.date):
        return
    low, high = year_range()
    if not lib_inputs.year_in_range(value, low, high):
        raise ValidationError(
            _("日期超出允许范围：年份应在%(low)s年至%(high)s年之间。"),
            code="date_out_of_range",
            params={"low": low, "high": high},
        )


def finite_number(value: Any) -> None:
    """Refuse NaN and ±infinity (a score of "NaN")."""
    if not lib_inputs.is_finite(value):
        raise ValidationError(_("请输入有效的数字（不能是 NaN 或无穷大）。"), code="not_finite")


def _describe(characters: Collection[str]) -> str:
    return _("、").join(sorted({f"U+{ord(ch):04X}" for ch in characters}))


def clean_line(value: Any) -> None:
    """Refuse control characters in single-line text (titles, names); a tab is allowed."""
    if isinstance(value, str) and (found := lib_inputs.control_characters(value)):
        raise ValidationError(
            _("内容含有不可见的控制字符（%(chars)s），请删除后再提交。"),
            code="control_characters",
            params={"chars": _describe(found)},
        )


def clean_text(value: Any) -> None:
    """Refuse control characters in multi-line text; tab, newline and carriage return are allowed."""
    if isinstance(value, str) and (found := lib_inputs.control_characters(value, multiline=True)):
        raise ValidationError(
            _("内容含有不可见的控制字符（%(chars)s），请删除后再提交。"),
            code="control_characters",
            params={"chars": _describe(found)},
        )


_FILE_NAME_MESSAGES = {
    "empty": _("文件名不能为空。"),
    "length": _("文件名太长：最多%(max)s个字符，请改短后再上传。"),
    "path": _("文件名不能包含路径（/ 或 \\）。"),
    "control": _("文件名含有不可见的控制字符，请改名后再上传。"),
}


def safe_file_name(value: Any) -> None:
    """Refuse an upload name that is empty, longer than 120 characters, has path parts or
    control characters. Accepts a string or an uploaded file (its `.name`)."""
    name = value if isinstance(value, str) else getattr(value, "name", None)
    if name is None:
        return
    # A stored FieldFile's name carries the upload_to folder; only check the file's own name.
    if not isinstance(value, str) and getattr(value, "_committed", False):
        return
    problem = lib_inputs.file_name_problem(str(name))
    if problem is not None:
        raise ValidationError(
            _FILE_NAME_MESSAGES[problem], code=f"file_name_{problem}", params={"max": FILE_NAME_MAX_LENGTH}
        )


@deconstructible
class NonNegativeMax:
    """A number between 0 and `maximum` (study hours: never −5, never 10,000)."""

    def __init__(self, maximum: int | float) -> None:
        self.maximum = maximum

    def __call__(self, value: Any) -> None:
        if value is None:
            return
        finite_number(value)
        if value < 0:
            raise ValidationError(_("不能是负数。"), code="negative")
        if value > self.maximum:
            raise ValidationError(_("数值太大：不能超过%(max)s。"), code="too_large", params={"max": self.maximum})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NonNegativeMax) and other.maximum == self.maximum

    def __hash__(self) -> int:
        return hash(("NonNegativeMax", self.maximum))


def check_value(field: models.Field, value: Any) -> None:
    """Apply the checks that fit `field`'s type to `value` (raises ValidationError)."""
    if value is None or value == "":
        return
    if isinstance(field, models.TextField):
        clean_text(value)
    elif isinstance(field, models.CharField | models.EmailField | models.SlugField):
        clean_line(value)
    elif isinstance(field, models.DateField):  # DateTimeField included
        sane_date(value)
    elif isinstance(field, models.FloatField | models.DecimalField):
        finite_number(value)
    elif isinstance(field, models.FileField):
        safe_file_name(value)


def check_model_fields(instance: models.Model, exclude: Collection[str] | None = None) -> None:
    """Run `check_value` over every concrete, editable field of `instance` not in `exclude`;
    raise one ValidationError with the messages by field name."""
    errors: dict[str, list[ValidationError]] = {}
    skip = set(exclude or ())
    for field in instance._meta.concrete_fields:
        if field.name in skip or not field.editable or field.primary_key:
            continue
        try:
            check_value(field, getattr(instance, field.attname))
        except ValidationError as error:
            errors.setdefault(field.name, []).append(error)
    if errors:
        raise ValidationError(errors)


# -- forms ---------------------------------------------------------------------------------


def form_field_checks(field: forms.Field) -> list[Callable[[Any], None]]:
    """The shared checks that fit a form field's type (passwords are left as typed)."""
    if isinstance(field, forms.FileField):
        return [safe_file_name]
    if isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
        return [sane_date]
    if isinstance(field, forms.FloatField | forms.DecimalField):
        return [finite_number]
    if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput):
        return [clean_text if isinstance(field.widget, forms.Textarea) else clean_line]
    return []


def add_input_checks(form: forms.BaseForm) -> None:
    """Give every field of `form` the shared checks of its type (once)."""
    for field in form.fields.values():
        for check in form_field_checks(field):
            if check not in field.validators:
                field.validators.append(check)


class CheckedInputs:
    """Form mixin: every field gets the shared checks of its type, so that a date in year
    9999, a NaN, control characters or a 400-character file name are refused with a
    Chinese message whatever the form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_input_checks(self)  # type: ignore[arg-type]


class CheckedForm(CheckedInputs, forms.Form):
    """A `forms.Form` with the shared input checks."""


class CheckedModelForm(CheckedInputs, forms.ModelForm):
    """A `forms.ModelForm` with the shared input checks."""
