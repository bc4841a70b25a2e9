"""Helpers the planning service modules share."""

from __future__ import annotations

from typing import Any

from pangting.accounts import policy
from pangting.core.system import require_actor

A = policy.Action


def _user(actor: Any) -> Any:
    require_actor(actor)
    return actor if getattr(actor, "is_authenticated", False) else None


def _save(obj: Any, actor: Any, **kwargs: Any) -> None:
    obj._history_user = _user(actor)
    obj.save(**kwargs)
