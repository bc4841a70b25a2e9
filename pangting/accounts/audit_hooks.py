"""Audit receivers for authentication events.

These record security events only (who logged in or failed, when, from where); they carry
no business logic, which always lives in services.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from pangting.core.audit import record_event, record_read_event

# How a sign-in was made, by the backend that authenticated it (Django sets `user.backend`).
LOGIN_METHODS = {
    "pangting.accounts.sso.cas.CasBackend": "cas",
    "pangting.accounts.sso.oidc.OidcBackend": "oidc",
    "django.contrib.auth.backends.ModelBackend": "password",
}


def login_method(user: Any, request: Any = None) -> str:
    from .sso.matching import OAUTH_METHOD_MARK

    marked = getattr(request, OAUTH_METHOD_MARK, None)  # WeCom and DingTalk share one backend
    return marked or LOGIN_METHODS.get(getattr(user, "backend", ""), "other")


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_event(user, "auth.login", request=request, detail={"method": login_method(user, request)})


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_event(user, "auth.logout", request=request)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    from .sso.matching import refusal_of

    if refusal_of(request) is not None:  # a single sign-on refusal, already recorded with its reason
        return
    record_event(
        None, "auth.login", success=False, request=request, username=str(credentials.get("username", ""))[:150]
    )


@receiver(user_locked_out)
def _locked_out(sender: Any, request: Any = None, username: Any = None, ip_address: Any = None, **kwargs: Any) -> None:
    """A lockout (django-axes), or a further attempt on a locked account: queued, never failing the answer."""
    record_read_event(
        None,
        "auth.lockout",
        success=False,
        request=request,
        username=str(username or "")[:150],
        target=str(username or "")[:200],
        detail={"axes_ip": str(ip_address or "")[:64]},
    )
