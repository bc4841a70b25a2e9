"""Single sign-on pages: start and callback per provider, the refusal page, the provider's logout.

The CAS and OIDC views are the libraries' own, narrowed: 404 while the provider is not
configured, a Chinese refusal page (403) instead of a bare failure or a 400/500, and the session
remembers how it was signed in so that logging out also ends the provider's session.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import auth
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_cas_ng import views as cas_views
from django_cas_ng.models import SESSION_KEY_MAXLENGTH, SessionTicket
from django_cas_ng.utils import RedirectException, get_cas_client
from mozilla_django_oidc import views as oidc_views

from . import matching, oauth
from .providers import CAS, OIDC, SESSION_METHOD, is_enabled, require_enabled


def refused(request: HttpRequest, provider: str, reason: str | None = None, *, status: int = 403) -> HttpResponse:
    """The refusal page. A refusal not yet recorded (the backend never ran) is recorded here."""
    if reason is None:
        reason = matching.refusal_of(request) or "invalid"
    if matching.refusal_of(request) is None:
        matching.refuse(request, provider=provider, reason=reason)
    message = matching.REFUSALS.get(reason, matching.REFUSALS["invalid"])
    return render(request, "accounts/sso_refused.html", {"message": message, "reason": reason}, status=status)


def _remember(request: HttpRequest, provider: str) -> None:
    request.session[SESSION_METHOD] = provider


class CasLoginView(cas_views.LoginView):
    """django-cas-ng's login (redirect to CAS, validate the ticket, single logout POSTs)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require_enabled(CAS)
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied:
            return refused(request, CAS)
        except RedirectException:
            return refused(request, CAS, "state", status=400)

    def successful_login(self, request: HttpRequest, next_page: str) -> HttpResponse:
        _remember(request, CAS)
        return super().successful_login(request, next_page)


class OidcLoginView(oidc_views.OIDCAuthenticationRequestView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require_enabled(OIDC)
        return super().dispatch(request, *args, **kwargs)


class OidcCallbackView(oidc_views.OIDCAuthenticationCallbackView):
    """The library's callback; a bad state, token or signature is a refusal page, never a 400/500."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require_enabled(OIDC)
        try:
            return super().dispatch(request, *args, **kwargs)
        except SuspiciousOperation as error:
            reason = "state" if "state" in str(error) else "invalid"
            return refused(request, OIDC, reason)
        except requests.HTTPError as error:  # the token endpoint refused the code (used, expired, forged)
            status = error.response.status_code if error.response is not None else 500
            return refused(request, OIDC, "invalid" if 400 <= status < 500 else "unavailable")
        except (requests.RequestException, ValueError):
            return refused(request, OIDC, "unavailable")

    def login_failure(self) -> HttpResponse:
        return refused(self.request, OIDC)

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        _remember(self.request, OIDC)
        return response


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


@never_cache
def oauth_login(request: HttpRequest, provider: str) -> HttpResponse:
    """Start a WeCom or DingTalk sign-in: a fresh state in the session, then the provider's page."""
    require_enabled(provider)
    state = oauth.issue_state(request, provider, _safe_next(request))
    callback = request.build_absolute_uri(reverse(f"accounts:sso_{provider}_callback"))
    return HttpResponseRedirect(oauth.client_for(provider).authorize_url(callback, state))


@never_cache
def oauth_callback(request: HttpRequest, provider: str) -> HttpResponse:
    require_enabled(provider)
    started = oauth.consume_state(request, provider, request.GET.get("state", ""))
    if started is None:
        return refused(request, provider, "state", status=400)
    code = request.GET.get("code") or request.GET.get("auth_code") or request.GET.get("authCode") or ""
    if not code:
        return refused(request, provider, "invalid")
    user = auth.authenticate(request, oauth_provider=provider, oauth_code=code)
    if user is None:
        return refused(request, provider)
    auth.login(request, user)
    _remember(request, provider)
    return HttpResponseRedirect(started["next"] or reverse(settings.LOGIN_REDIRECT_URL))


def provider_logout_url(request: HttpRequest) -> str | None:
    """Where to send the browser after our logout so the provider's session ends too (CAS, OIDC).

    Read before the session is flushed. WeCom and DingTalk keep no web session to end.
    """
    method = request.session.get(SESSION_METHOD)
    back = request.build_absolute_uri(reverse(settings.LOGOUT_REDIRECT_URL))
    if method == CAS and is_enabled(CAS):
        session_key = (request.session.session_key or "")[:SESSION_KEY_MAXLENGTH]
        SessionTicket.objects.filter(session_key=session_key).delete()
        return str(get_cas_client(request=request).get_logout_url(back))
    if method == OIDC and is_enabled(OIDC) and settings.PANGTING_OIDC_END_SESSION_ENDPOINT:
        params = {"post_logout_redirect_uri": back, "client_id": settings.OIDC_RP_CLIENT_ID}
        id_token = request.session.get("oidc_id_token")
        if id_token:
            params["id_token_hint"] = id_token
        return f"{settings.PANGTING_OIDC_END_SESSION_ENDPOINT}?{urlencode(params)}"
    return None
