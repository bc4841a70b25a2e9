"""Sets the marks that files made during a request carry (`pangting.lib.marks`)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from pangting.lib import marks

from .watermark import file_marks


class FileMarksMiddleware:
    """Every .xlsx and .docx made in a request names its user and time, as the settings ask.

    The writers read the marks from the context, so no view has to remember them; with both
    settings off (the default) nothing is computed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not (settings.PANGTING_WATERMARK or settings.PANGTING_INTERNAL_MARK):
            return self.get_response(request)
        with marks.applied(file_marks(request.user)):
            return self.get_response(request)
