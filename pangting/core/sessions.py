"""Sessions that do not write on every read, yet still end after the idle timeout.

Django's `SESSION_SAVE_EVERY_REQUEST` renews the idle timeout by saving the session on every
request, so every page is a write: under SQLite's single writer a read then waits 20 s for a
long write and fails. Instead a signed-in session is renewed at most once per
`PANGTING_SESSION_RENEW_SECONDS` (the idle timeout is then exact to within that interval), and
the renewal is skipped, never waited for, while the database is held (`core.nowait`).
Saves that carry real changes (sign-in, messages, a chosen unit) are written as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.http import HttpRequest, HttpResponse

from . import clock
from .nowait import try_write

RENEWED_AT = "_pangting_renewed_at"


class SessionStore(DatabaseSessionStore):
    """The database session store; a save that only renews the expiry is a no-wait write."""

    renewal_only = False

    def save(self, must_create: bool = False) -> None:
        if self.renewal_only and not must_create:
            self.renewal_only = False
            try_write(self._renew)
            return
        super().save(must_create=must_create)

    def _renew(self) -> int:
        """The plain UPDATE of a renewal (a row already gone is simply not renewed)."""
        row = self.create_model_instance(self._get_session(no_load=False))
        return self.model.objects.filter(session_key=row.session_key).update(
            session_data=row.session_data, expire_date=row.expire_date
        )


class SessionRenewalMiddleware:
    """Marks a signed-in session for renewal when its last renewal is older than the interval.

    Sits just inside `SessionMiddleware`, so it looks at the session after the view and before
    the session middleware decides whether to save it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session: Any = getattr(request, "session", None)
        if session is None or not session.session_key or SESSION_KEY not in session:
            return response  # visitors without a sign-in get no session row
        now = int(clock.now().timestamp())
        if session.modified:  # saved anyway (a sign-in, a message): that save renews it
            session[RENEWED_AT] = now
            return response
        renewed_at = session.get(RENEWED_AT)
        if not isinstance(renewed_at, int) or now - renewed_at >= settings.PANGTING_SESSION_RENEW_SECONDS:
            session[RENEWED_AT] = now
            session.renewal_only = True
        return response
