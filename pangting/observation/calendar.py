"""Observation's part of a user's calendar feed: visits, and the deadlines the user owes.

Registered with `core.registry.register_calendar_provider` in ObservationConfig.ready; the
study app's feed view writes every provider's events into one calendar.

- Visits the user is on (a team place) or that observe his own unit, as timed events at the
  observed session's time (a visit without a session yet has no time to show).
- His deadlines: the current obligation of each visit he can act on (reply R-O4, record R-O8,
  feedback R-O9) and of each rectification item (R-O10), as all-day events on the due date.
  Who owes what comes from `obligations.py`, as the to-do list and reminders have it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from pangting.core import clock
from pangting.lib.ical import Event

from .models import ACTIVE_STATES, State, Visit
from .obligations import Obligation, current_obligation, rectification_obligation

HISTORY_DAYS = 400
# Steps whose "deadline" is the session itself, already in the calendar as the visit.
NOT_A_DEADLINE = frozenset({"attend"})


def _deadline(uid: str, obligation: Obligation, unit_name: str, modified: dt.datetime) -> Event:
    description = [f"{obligation.rule}"]
    if obligation.basis:
        description.append(obligation.basis)
    if obligation.detail:
        description.append(obligation.detail)
    return Event(
        uid=uid,
        summary=_("截止：{unit}{step}").format(unit=unit_name, step=obligation.label),
        start=obligation.due or dt.date.min,  # `_owed` lets through only obligations with a due date
        modified=modified,
        description="\n".join(description),
        categories=(_("期限"),),
    )


def _owed(obligation: Obligation | None, user: Any) -> Obligation | None:
    """The obligation if `user` owes it and it has a deadline to show; else None."""
    if obligation is None or obligation.due is None or obligation.step in NOT_A_DEADLINE:
        return None
    return obligation if obligation.can_be_done_by(user) else None


def calendar_events(user: Any, host: str) -> list[Event]:
    events: list[Event] = []
    person = getattr(user, "person", None)
    since = clock.now() - dt.timedelta(days=HISTORY_DAYS)
    visible = Visit.objects.for_user(user).select_related("unit", "session", "supervisor_org")
    if person is not None:
        mine = visible.filter(
            Q(team_members__person=person, team_members__deleted_at__isnull=True) | Q(unit=person.organization_id)
        )
        for visit in mine.filter(session__isnull=False, session__starts_at__gte=since).distinct():
            session = visit.session
            events.append(
                Event(
                    uid=f"observation-visit-{visit.pk}@{host}",
                    summary=_("巡听旁听：{unit}（{title}）").format(unit=visit.unit.display_name, title=session.title),
                    start=session.starts_at,
                    end=session.ends_at,
                    modified=max(visit.updated_at, session.updated_at),
                    location=session.place,
                    description=visit.get_mode_display() + (f"\n{visit.focus}" if visit.focus else ""),
                    cancelled=visit.state == State.CANCELLED or session.status == "cancelled",
                    sequence=visit.version,
                    categories=(_("巡听旁听"),),
                )
            )
    active = visible.filter(state__in=ACTIVE_STATES).prefetch_related("rectifications")
    for visit in active:
        items = [item for item in visit.rectifications.all() if item.deleted_at is None]
        owed = _owed(current_obligation(visit, items=items), user)
        if owed is not None and owed.step not in ("rectify", "verify"):  # items are listed one by one below
            uid = f"observation-deadline-{visit.pk}-{owed.step}@{host}"
            events.append(_deadline(uid, owed, visit.unit.display_name, visit.updated_at))
        if visit.state != State.RECTIFYING:
            continue
        for item in items:  # R-O10: every item has its own deadline
            owed = _owed(rectification_obligation(item, visit=visit), user)
            if owed is not None:
                uid = f"observation-rectification-{item.pk}-{owed.step}@{host}"
                events.append(_deadline(uid, owed, visit.unit.display_name, item.updated_at))
    return events
