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


class AuditMiddleware:
    """Log what a request read that the audit log must show (issue 14 item 4), off the read path.

    * every file download: a response with ``Content-Disposition: attachment`` (or from one of
      `EXPORT_VIEWS` that is not a page), with the path and a target label: the one the view
      gave (`audit.describe_download`) or the file name; so no export view can be forgotten;
    * every 403, and every 404 answered to a signed-in user: forbidden and missing look alike
      to the client, but the log keeps the attempt, with what the policy refused when it was
      the policy (`audit.note_denial`).

    Events go through `audit.record_read_event` (queued), so the response never waits for them.
    """

    # Views that produce files: logged even if one day they answer without the attachment header.
    EXPORT_VIEWS = frozenset(
        {
            "assessment:sheet_export",
            "assessment:report_file",
            "orgs:export",
            "reports:ledger_export",
        }
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from pangting.core import audit

        token = audit.begin_request()
        try:
            response = self.get_response(request)
        finally:
            denials = audit.end_request(token)
        try:
            self._log(request, response, denials)
        except Exception:  # the audit never turns an answer into a 500
            audit.logger.exception("audit middleware failed for %s", request.path)
        return response

    def _log(self, request: HttpRequest, response: HttpResponse, denials: list[dict[str, Any]]) -> None:
        from pangting.core import audit

        if getattr(request, "_audit_logged", False):
            return
        user = getattr(request, "user", None)
        signed_in = bool(getattr(user, "is_authenticated", False))
        match = getattr(request, "resolver_match", None)
        view_name = match.view_name if match is not None else ""
        path = request.get_full_path()[:500]
        if 200 <= response.status_code < 300 and self._is_download(response, view_name):
            described = getattr(request, "_audit_download", None) or {}
            filename = _attachment_filename(response)
            detail = {"path": path, "view": view_name, "filename": filename, **described.get("detail", {})}
            target = described.get("target") or filename or view_name or path
            audit.record_read_event(user, "download", target=target, request=request, detail=detail)
        elif response.status_code == 403 or (response.status_code == 404 and signed_in):
            detail = {"path": path, "view": view_name, "status": response.status_code, "method": request.method}
            if denials:
                detail["policy"] = denials
            audit.record_read_event(
                user, "access.denied", target=view_name or path[:200], success=False, request=request, detail=detail
            )

    def _is_download(self, response: HttpResponse, view_name: str) -> bool:
        if response.get("Content-Disposition", "").lower().startswith("attachment"):
            return True
        return view_name in self.EXPORT_VIEWS and not response.get("Content-Type", "").startswith("text/html")


def _attachment_filename(response: HttpResponse) -> str:
    """The file name a Content-Disposition header gives (RFC 6266 `filename*` preferred)."""
    from urllib.parse import unquote

    header = response.get("Content-Disposition", "")
    plain = ""
    for part in header.split(";"):
        name, _sep, value = part.strip().partition("=")
        if name.lower() == "filename*" and "''" in value:
            return unquote(value.split("''", 1)[1])[:200]
        if name.lower() == "filename":
            plain = value.strip('"')
    return plain[:200]
