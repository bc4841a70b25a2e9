"""Private helpers the study services share: saving with the actor, row locks, dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import formats, timezone

from pangting.accounts import policy
from pangting.core import dates
from pangting.core.models import StaleRecord
from pangting.core.system import require_actor

from ..models import StudySession

A = policy.Action


def _save(obj: Any, actor: Any, *, clean: bool = True, **kwargs: Any) -> None:
    """Save with the actor in history. `clean=False` only where the code, not a user, set the
    fields that changed (a status, a timestamp): it skips one query per foreign key."""
    obj._history_user = actor if getattr(require_actor(actor), "is_authenticated", False) else None
    if clean:
        # Related objects come from scoped querysets or validated serializers, and the
        # database enforces foreign keys: skipping their re-validation saves a query each.
        obj.full_clean(exclude=[f.name for f in obj._meta.fields if f.is_relation])
    obj.save(**kwargs)


def _check_seen(record: Any, expected_version: int | None) -> None:
    """A step form sends the version the user saw; if the row moved on since, refuse before
    anything else, so a stale page says so (「此记录已被他人修改」) and changes nothing."""
    if expected_version is None:
        return
    current = type(record)._base_manager.filter(pk=record.pk).values_list("version", flat=True).first()
    if current != expected_version:
        raise StaleRecord


def _locked(session: StudySession) -> StudySession:
    """The session row locked for this transaction (two secretaries or check-ins at once)."""
    return StudySession.objects.select_for_update().get(pk=session.pk)


def _copy_back(target: StudySession, source: StudySession) -> StudySession:
    """Let the caller's instance see what the locked copy saved."""
    if target is not source:
        target.__dict__.update({k: v for k, v in source.__dict__.items() if not k.startswith("_")})
    return target


def _local_day(moment: dt.datetime) -> dt.date:
    return dates.local_day(moment)  # the zone read once inside a run of the checks


def _fmt(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{formats.date_format(local.date(), 'DATE_FORMAT')} {local:%H:%M}"
