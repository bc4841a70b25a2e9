"""The OAuth code flow of WeCom (企业微信/政务微信) and DingTalk (钉钉/浙政钉): state, backend.

The start view keeps a random `state` in the session and redirects to the provider's configured
authorize URL; the callback accepts only a state this session issued (once, within
`STATE_MINUTES`): that binding is the flow's CSRF protection. The backend then exchanges the
code through the provider's configured token and user endpoints (`wecom.py`, `dingtalk.py`) and
hands the configured attribute to `matching.match_account`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, Protocol

import requests
from django.contrib.auth.backends import ModelBackend

from pangting.core import clock

from ..models import User
from . import matching
from .providers import is_enabled

STATE_KEY = "_pangting_oauth_states"
STATE_MINUTES = 10
MAX_STATES = 5  # open sign-ins per session (several tabs); the oldest is dropped


class ExchangeError(Exception):
    """The provider refused the code or answered something else than expected."""


class OAuthClient(Protocol):
    name: str

    def authorize_url(self, redirect_uri: str, state: str) -> str: ...

    def identity(self, code: str) -> dict[str, Any]:
        """The signed-in member's fields (raises ExchangeError or requests' errors)."""
        ...

    def match_attribute(self) -> str: ...

    def match_field(self) -> str: ...


def issue_state(request: Any, provider: str, next_url: str) -> str:
    states: dict[str, dict[str, str]] = dict(request.session.get(STATE_KEY, {}))
    while len(states) >= MAX_STATES:
        states.pop(min(states, key=lambda key: states[key]["at"]))
    state = secrets.token_urlsafe(24)
    states[state] = {"provider": provider, "next": next_url, "at": clock.now().isoformat()}
    request.session[STATE_KEY] = states
    return state


def consume_state(request: Any, provider: str, state: str) -> dict[str, str] | None:
    """The stored sign-in for `state` (removed: a state works once), or None if not ours or too old."""
    states: dict[str, dict[str, str]] = dict(request.session.get(STATE_KEY, {}))
    found = None
    for key in list(states):
        if secrets.compare_digest(key.encode(), (state or "").encode()):
            found = states.pop(key)
    request.session[STATE_KEY] = states
    if found is None or found["provider"] != provider:
        return None
    if clock.now() - dt.datetime.fromisoformat(found["at"]) > dt.timedelta(minutes=STATE_MINUTES):
        return None
    return found


def client_for(provider: str) -> OAuthClient:
    from . import dingtalk, wecom

    clients: dict[str, OAuthClient] = {"wecom": wecom.WecomClient(), "dingtalk": dingtalk.DingtalkClient()}
    return clients[provider]


def identity_value(identity: dict[str, Any], attribute: str) -> Any:
    return identity.get(attribute)


class OAuthBackend(ModelBackend):
    """Authenticates a WeCom or DingTalk authorization code (called by `views.oauth_callback`)."""

    def authenticate(self, request: Any, oauth_provider: str, oauth_code: str) -> User | None:  # type: ignore[override]
        if oauth_provider not in ("wecom", "dingtalk") or not is_enabled(oauth_provider) or not oauth_code:
            return None
        client = client_for(oauth_provider)
        try:
            identity = client.identity(oauth_code)
        except ExchangeError:
            matching.refuse(request, provider=oauth_provider, reason="invalid")
            return None
        except (requests.RequestException, ValueError):  # unreachable, timed out, not JSON
            matching.refuse(request, provider=oauth_provider, reason="unavailable")
            return None
        value = identity_value(identity, client.match_attribute())
        user = matching.match_account(request, value, provider=oauth_provider, field=client.match_field())
        if user is not None:
            setattr(request, matching.OAUTH_METHOD_MARK, oauth_provider)
        return user
