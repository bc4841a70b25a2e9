"""Navigation built from the policy, so nobody sees a menu entry that would answer 404."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from . import policy

A = policy.Action


def _visible_items(request: HttpRequest) -> list[dict[str, Any]]:
    items = []
    for label, name, action, group in settings.PANGTING_NAVIGATION:
        if action is not None and not policy.can(request.user, A(action)):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        active = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"label": label, "url": url, "active": active, "group": group})
    return items


def _menu(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Top-level entries in settings order: plain links, and groups of two or more links."""
    menu: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for item in items:
        key = item["group"]
        if not key:
            menu.append(item)
            continue
        if key not in groups:
            label = settings.PANGTING_NAVIGATION_GROUPS.get(key, key)
            # "children", not "items": a template would call dict.items() on a plain link.
            groups[key] = {"label": label, "children": [], "active": False, "is_group": True}
            menu.append(groups[key])
        groups[key]["children"].append(item)
        groups[key]["active"] = groups[key]["active"] or item["active"]
    return [entry["children"][0] if len(entry.get("children", ())) == 1 else entry for entry in menu]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = _visible_items(request)
    return {"nav_items": items, "nav_menu": _menu(items), "user_roles": sorted(policy.roles(user))}
