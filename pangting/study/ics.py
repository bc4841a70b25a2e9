"""The user's calendar as iCalendar (RFC 5545): study sessions here, and what later apps add.

The writer is `pangting.lib.ical`; texts follow the active language (see `user_calendar`).
Sessions are this app's events; later apps (observation:
visits and deadlines) register theirs with `core.registry.register_calendar_provider`, so the
one feed carries them all without study importing observation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock, registry
from pangting.lib.ical import Event, write_calendar

from .models import StudySession

A = policy.Action
HISTORY_DAYS = 400  # how far back a feed reaches: this year's and last year's sessions


def uid_host(request_host: str) -> str:
    """The UID's domain: the deployment's base URL when set, so UIDs stay the same behind any host name."""
    base = getattr(settings, "PANGTING_BASE_URL", "") or ""
    return base.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or request_host.split(":", 1)[0]


def session_event(s: StudySession, *, host: str) -> Event:
    description = [s.get_kind_display(), s.content]
    if s.host_id:
        description.append(_("主持人：{name}").format(name=s.host.name))
    sequence = s.reschedule_total if hasattr(s, "reschedule_total") else s.reschedules.count()
    return Event(
        uid=f"study-session-{s.pk}@{host}",
        summary=_("{unit}：{title}").format(unit=s.organization.display_name, title=s.title),
        start=s.starts_at,
        end=s.ends_at,
        modified=s.updated_at,
        location=s.place,
        description="\n".join(d for d in description if d),
        cancelled=s.status == StudySession.Status.CANCELLED,
        sequence=sequence,
        categories=(_("学习会"),),
    )


def sessions_ics(sessions: Iterable[StudySession], *, host: str, calendar_name: str | None = None) -> str:
    events = [session_event(s, host=host) for s in sessions]
    return write_calendar(events, name=calendar_name or _("学习会"), stamp=clock.now())


def my_sessions(user: Any) -> Any:
    """The sessions in the user's calendar: those they are expected at (member), and those they manage."""
    person = getattr(user, "person", None)
    mine = Q(attendances__person=person, attendances__deleted_at__isnull=True) if person else Q(pk__in=[])
    managed = StudySession.objects.for_user(user, A.STUDY_CHANGE).values("pk")
    since = clock.now() - dt.timedelta(days=HISTORY_DAYS)
    return (
        StudySession.objects.for_user(user)
        .filter(mine | Q(pk__in=managed), starts_at__gte=since)
        .distinct()
        .select_related("organization", "host")
        .annotate(reschedule_total=Count("reschedules", distinct=True))
        .order_by("starts_at")
    )


def session_events(user: Any, host: str) -> list[Event]:
    """The calendar provider of this app (registered in StudyConfig.ready)."""
    return [session_event(s, host=host) for s in my_sessions(user)]


def user_calendar(user: Any, *, host: str, name: str | None = None) -> str:
    """The whole calendar of `user`: every registered provider's events, by UID once.

    Written in the active language: the page's for a download, and for a subscription (calendar
    apps send no language) settings.LANGUAGE_CODE unless the feed URL asks for one (`lang`).
    """
    name = name or _("旁听：我的日历")
    events: dict[str, Event] = {}
    for provider in registry.calendar_providers():
        for event in provider(user, host):
            events.setdefault(event.uid, event)
    ordered = sorted(events.values(), key=lambda e: (str(e.start), e.uid))
    return write_calendar(ordered, name=name, stamp=clock.now())
