"""Send users who must change their password to the change page: an initial password chosen by an
administrator (issue 14 item 1) or an expired one (periodic change, configurable); the API
answers 403 instead (`api_permissions.PasswordIsCurrent`). Ask for the second factor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class PasswordExpiryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(("/api/", "/static/", "/i18n/"))
            and request.path not in (reverse("accounts:password_change"), reverse("accounts:logout"))
            and user.password_change_required()
        ):
            return redirect("accounts:password_change")
        return self.get_response(request)


class SecondFactorMiddleware:
    """After the password, the TOTP code; and enrolment first where a role requires it.

    What a session still owes is decided once, at sign-in (`otp.SESSION_STATE`), so an ordinary
    request costs no query. A session whose user has a confirmed device is sent to the code page
    until a code is given; one whose role is in `PANGTING_REQUIRE_2FA_ROLES` and has no device,
    to the enrolment page. Session calls to the API get a JSON 403 instead (bearer tokens are
    asked for the code when they are issued).
    """

    OPEN_PREFIXES = ("/static/", "/i18n/", "/healthz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from . import otp

        user: Any = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(self.OPEN_PREFIXES):
            return self.get_response(request)
        state = otp.session_state(request)
        if state == otp.NOTHING_OWED or user.is_verified():  # is_verified: django_otp's OTPMiddleware
            return self.get_response(request)
        open_paths = {reverse("accounts:logout"), reverse("accounts:otp_verify"), reverse("accounts:otp_enrol")}
        if request.path in open_paths:
            return self.get_response(request)
        if state == otp.CODE_OWED:
            target, message = "accounts:otp_verify", _("请先输入动态验证码，完成两步验证。")
        else:
            target, message = "accounts:otp_enrol", _("您的角色要求两步验证，请先绑定验证器。")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=403)
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
