"""Send users who must change their password to the change page: an initial password chosen by an
administrator (issue 14 item 1) or an expired one (periodic change, configurable). The API
answers 403 instead (`api_permissions.PasswordIsCurrent`)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


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
