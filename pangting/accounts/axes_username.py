"""The username django-axes records for a login attempt (its lockout key)."""

from __future__ import annotations

from typing import Any

MAX_LENGTH = 150  # Django's username length


def attempted_username(request: Any, credentials: dict[str, Any] | None) -> str:
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        data = getattr(request, "POST", None) or getattr(request, "data", None) or {}
        value = data.get("username", "")
    return str(value or "")[:MAX_LENGTH]
