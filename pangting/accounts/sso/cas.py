"""CAS sign-on (django-cas-ng): its backend matches the validated principal to an existing account.

django-cas-ng's own backend would look up (or create) a user by the CAS user name; ours reads
the configured attribute (PANGTING_SSO_MATCH_ATTRIBUTE, or the principal for "cas:user") and
hands it to `matching.match_account`, so CAS never creates users or roles and never signs in
an administrator. A ticket the server does not validate (forged, replayed, for another
service) is refused with an audit event.
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django_cas_ng.signals import cas_user_authenticated
from django_cas_ng.utils import get_cas_client

from ..models import User
from . import matching
from .providers import CAS, is_enabled

PRINCIPAL = ("cas:user", "user", "")


def identity_value(principal: str | None, attributes: dict[str, Any] | None) -> Any:
    attribute = settings.PANGTING_SSO_MATCH_ATTRIBUTE
    if attribute in PRINCIPAL:
        return principal
    return (attributes or {}).get(attribute)


class CasBackend(ModelBackend):
    """Authenticates a CAS service ticket (called by django-cas-ng's login view)."""

    def authenticate(self, request: Any, ticket: str, service: str) -> User | None:  # type: ignore[override]
        if not is_enabled(CAS) or not ticket:
            return None
        client = get_cas_client(service_url=service, request=request)
        try:
            principal, attributes, _pgtiou = client.verify_ticket(ticket)
        except Exception:  # the server unreachable or answering nonsense: a refusal, never a 500
            matching.refuse(request, provider=CAS, reason="unavailable")
            return None
        if not principal:
            matching.refuse(request, provider=CAS, reason="invalid")
            return None
        user = matching.match_account(request, identity_value(principal, attributes), provider=CAS)
        if user is None:
            return None
        cas_user_authenticated.send(
            sender=self,
            user=user,
            created=False,
            username=principal,
            attributes=attributes,
            pgtiou=None,
            ticket=ticket,
            service=service,
            request=request,
        )
        return user if self.user_can_authenticate(user) else None


class _TimeoutSession(requests.Session):
    """python-cas validates tickets without a timeout: a CAS server that hangs must not hold a worker."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", settings.PANGTING_SSO_TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


def timeout_session() -> requests.Session:
    """CAS_SESSION_FACTORY: the HTTP session python-cas validates tickets with."""
    return _TimeoutSession()
