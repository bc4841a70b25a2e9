"""Error pages in Chinese (the 404 is also what a forbidden record answers), and request parsing helpers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy


def _is_api(request: HttpRequest) -> bool:
    """API clients read JSON, also when Django itself answers (a path no API route matches)."""
    return request.path_info.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("请求无效。")}, status=400)
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("未找到。")}, status=404)
    return render(request, "404.html", status=404)


CSRF_MESSAGE = _lazy("页面已过期或请求来源无法验证（CSRF 校验失败），请刷新页面后重试。")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a Chinese page (JSON 403 under /api/), and the failure audited."""
    from pangting.core import audit

    audit.record_read_event(
        getattr(request, "user", None),
        "security.csrf_failure",
        target=request.path[:200],
        success=False,
        request=request,
        detail={"reason": reason[:200], "method": request.method},
    )
    audit.mark_logged(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(CSRF_MESSAGE)}, status=403)
    return render(request, "403_csrf.html", {"message": CSRF_MESSAGE}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponse(loader.get_template("500.html").render(), status=500)


MAX_ID = 2**63 - 1  # the largest primary key any of our databases stores


def parse_id(value: str | None) -> int | None:
    """A record id from a query parameter, or None for anything that is not one.

    `str.isdigit()` accepts "²" (which `int()` refuses) and numbers too large for the
    database driver (SQLite raises OverflowError): both would otherwise answer 500.
    """
    value = (value or "").strip()
    if not value.isdecimal() or not value.isascii():
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def parse_year(value: str | None) -> int | None:
    """A calendar year from a query parameter (1–9999, what `datetime` accepts), or None."""
    number = parse_id(value)
    return number if number is not None and 1 <= number <= 9999 else None


def add_form_errors(form: Any, error: ValidationError) -> None:
    """Show a service's refusal on the form: field messages beside their field, the rest on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def flash_errors(request: HttpRequest, error: ValidationError) -> None:
    """Show a service's refusal as messages on the next page (for buttons without a form page)."""
    for message in error.messages:
        messages.error(request, message)


def chinese_file(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view that writes an official Chinese file: it renders in Chinese whatever the reader's language.

    Letters, feedback, bulletins, ledgers and score sheets are Chinese documents; labels they
    share with the pages (modes, semesters, checklist points) must not come out in English.
    """

    @functools.wraps(view)
    def in_chinese(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with translation.override(settings.LANGUAGE_CODE):
            return view(request, *args, **kwargs)

    return in_chinese


def attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    """A download with a Chinese file name that every browser keeps (RFC 5987)."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def seen_version(request: HttpRequest) -> int | None:
    """The record version a step form was rendered with (hidden field `version`), if it sent one.

    Passed to the step as `expected_version`, so a page left open while someone else acted
    answers 「此记录已被他人修改」 instead of acting on a record the user did not see.
    """
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


# Without JavaScript the confirmation dialog of an irreversible step (static js/confirm.js)
# cannot open: such forms carry `needs_confirmation` inside <noscript>, and the view answers
# with a page that asks the same question and posts the same fields again, confirmed.
NEEDS_CONFIRMATION, CONFIRMED = "needs_confirmation", "confirmed"
_NOT_CARRIED = {"csrfmiddlewaretoken", NEEDS_CONFIRMATION, CONFIRMED}


def confirm_first(request: HttpRequest, text: str) -> HttpResponse | None:
    """The confirmation page for a no-script post of an irreversible step, or None to go on."""
    from django.utils.http import url_has_allowed_host_and_scheme

    if not text or request.POST.get(NEEDS_CONFIRMATION) != "1" or request.POST.get(CONFIRMED) == "1":
        return None
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
        back = "/"
    fields = [(key, value) for key, values in request.POST.lists() if key not in _NOT_CARRIED for value in values]
    return render(request, "includes/confirm_page.html", {"text": text, "fields": fields, "back": back})
