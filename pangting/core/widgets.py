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
