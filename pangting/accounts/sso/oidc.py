"""OpenID Connect sign-on (mozilla-django-oidc), matching the configured claim to an existing account.

The library checks the ID token's signature (JWKS), algorithm and nonce, and runs the code flow
with state and PKCE. It leaves the audience and issuer unchecked and would create users; this
subclass checks both, requires an expiry, and never creates anyone: the claim named by
PANGTING_SSO_MATCH_ATTRIBUTE (from the verified ID token, else the userinfo answer) goes to
`matching.match_account`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from ..models import User
from . import matching
from .providers import OIDC, is_enabled


class OidcBackend(OIDCAuthenticationBackend):
    """Signs in by an OIDC authorization code; only from the callback view (which passes the nonce)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Listed in every deployment's AUTHENTICATION_BACKENDS: unconfigured, it must not complain
        # (and still load the user of a session it signed in before the provider was switched off).
        self.UserModel = get_user_model()
        if is_enabled(OIDC):
            super().__init__(*args, **kwargs)

    def authenticate(self, request: Any, **kwargs: Any) -> User | None:
        # Only the OIDC callback passes a nonce; a WeCom or DingTalk callback also carries code and state.
        if not is_enabled(OIDC) or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token audience is not this client.")
        if len(audiences) > 1 and payload.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token for several audiences without this client as azp.")
        issuer = settings.PANGTING_OIDC_ISSUER
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token issuer does not match PANGTING_OIDC_ISSUER.")
        if "exp" not in payload:
            raise SuspiciousOperation("ID token without expiry.")
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User | None:
        attribute = settings.PANGTING_SSO_MATCH_ATTRIBUTE
        value = payload.get(attribute)
        if value is None and self.OIDC_OP_USER_ENDPOINT:
            userinfo = self.get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") != payload.get("sub"):  # OIDC Core 5.3.2: the same subject or nothing
                raise SuspiciousOperation("Userinfo subject differs from the ID token's.")
            value = userinfo.get(attribute)
        return matching.match_account(self.request, value, provider=OIDC)

    def create_user(self, claims: dict[str, Any]) -> User:
        """Never: single sign-on signs in existing accounts only."""
        raise SuspiciousOperation("Single sign-on does not create accounts.")
