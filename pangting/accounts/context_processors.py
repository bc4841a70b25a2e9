"""Navigation built from the policy, so nobody sees a menu entry that would answer 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from pangting.core import registry

from . import policy

A = policy.Action


def _visible_items(request: HttpRequest) -> list[dict[str, Any]]:
    items = []
    for entry in registry.navigation():
        if entry.action is not None and not policy.can(request.user, A(entry.action)):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        active = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"label": entry.label, "url": url, "active": active, "group": entry.group})
    return items


def _menu(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Top-level entries in registry order: plain links, and groups of two or more links."""
    menu: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for item in items:
        key = item["group"]
        if not key:
            menu.append(item)
            continue
        if key not in groups:
            label = registry.navigation_group_label(key)
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
