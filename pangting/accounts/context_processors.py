"""Navigation built from the policy, so nobody sees a menu entry that would answer 404."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from . import policy

A = policy.Action


def _entries() -> list[tuple[str, str, A | None]]:
    """(label, url name, action needed). Later apps add their entries in settings."""
    return [(label, name, A(action) if action else None) for label, name, action in settings.PANGTING_NAVIGATION]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for label, name, action in _entries():
        if action is not None and not policy.can(user, action):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path.startswith(url) and url != "/"})
    return {"nav_items": items, "user_roles": sorted(policy.roles(user))}
