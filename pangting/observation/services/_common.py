"""Private helpers the observation services share: the acting user, saving with history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from pangting.accounts import policy
from pangting.core.system import require_actor

A = policy.Action


def _user(actor: Any) -> Any:
    require_actor(actor)
    return actor if getattr(actor, "is_authenticated", False) else None


def _save(obj: Any, actor: Any, **kwargs: Any) -> None:
    obj._history_user = _user(actor)
    obj.save(**kwargs)


def _session_day(session: Any) -> dt.date:
    return timezone.localdate(session.starts_at)
