"""Chinese first: the interface is Simplified Chinese unless the user chose English.

Django's LocaleMiddleware follows the browser's Accept-Language, which on many office
machines says English although their users read Chinese. Here only an explicit choice
(the language switch in the header, stored in the language cookie) changes the language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _


class ChineseFirstLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class RejectNullCharactersMiddleware:
    """Answer 400 to a request whose parameters carry NUL characters.

    Forms and serializers already refuse them in the fields they declare, but search boxes,
    filters and login attempts read raw parameters, and PostgreSQL cannot store or compare
    text with NUL bytes: without this a crafted query string would be a 500, not a message.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul_post(request)):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("请求中包含无效字符。")}, status=400)
            return render(request, "400.html", status=400)
        if request.path.startswith("/api/") and request.method == "POST" and _has_form_body(request):
            # DRF reuses this request.POST without its parsers; apply their check (core.api_parsers).
            from pangting.core.api_parsers import first_problem, problem_message

            if (where := first_problem(request.POST)) is not None:
                return JsonResponse({"detail": problem_message(where)}, status=400)
        return self.get_response(request)


def _has_form_body(request: HttpRequest) -> bool:
    return (request.content_type or "").startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def _has_nul(params: Any) -> bool:
    return any("\x00" in key or any("\x00" in value for value in params.getlist(key)) for key in params)


def _has_nul_post(request: HttpRequest) -> bool:
    content_type = request.content_type or ""
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return _has_nul(request.POST)
    return False
