"""Writing audit events (see `AuditEvent`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_event(
    actor: Any,
    action: str,
    *,
    target: str = "",
    success: bool = True,
    request: HttpRequest | None = None,
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. `actor` may be None (e.g. a failed login)."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        username=username or (actor.get_username() if is_user else ""),
        action=action,
        target=target[:200],
        success=success,
        ip=client_ip(request),
        detail=detail or {},
    )
