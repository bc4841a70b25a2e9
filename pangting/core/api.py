"""API plumbing shared by every app: error responses in Chinese, never a 500 for bad input."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from pangting.core.i18n import render_message
from pangting.lib.workdays import UnknownCalendarYear


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus business errors turned into 400s with their Chinese message.

    Forbidden and missing both answer 404, so that an API client cannot probe which
    records exist outside its scope (house style §3).
    """
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        return _csrf_failure(exc, context)
    if isinstance(exc, exceptions.PermissionDenied) and not isinstance(exc, exceptions.NotAuthenticated):
        exc = exceptions.NotFound(_("未找到。"))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到。"))
    if isinstance(exc, DjangoValidationError):
        from pangting.core.models import StaleRecord

        if isinstance(exc, StaleRecord):
            from pangting.core.api_views import Conflict

            return drf_exception_handler(Conflict(exc.messages[0]), context)
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return Response({"detail": detail}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, UnknownCalendarYear):
        return Response({"detail": render_message(exc.message)}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def _csrf_failure(exc: exceptions.PermissionDenied, context: dict[str, Any]) -> Response:
    """A session-authenticated API call without a valid CSRF token: 403, audited (not 404)."""
    from django.contrib.auth import get_user

    from pangting.core import audit
    from pangting.core.views import CSRF_MESSAGE

    request = getattr(context.get("request"), "_request", None)
    if request is not None:
        # DRF has replaced the session's user with AnonymousUser by now: name the session's.
        audit.record_read_event(
            get_user(request),
            "security.csrf_failure",
            target=request.path[:200],
            success=False,
            request=request,
            detail={"reason": str(exc.detail)[:200], "method": request.method},
        )
        audit.mark_logged(request)
    return Response({"detail": str(CSRF_MESSAGE)}, status=status.HTTP_403_FORBIDDEN)
