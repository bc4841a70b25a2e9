"""Calendar subscriptions: a per-user secret URL a calendar app fetches without logging in."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from pangting.core import clock
from pangting.core.audit import record_event

from ..models import CalendarFeed


@transaction.atomic
def issue_calendar_feed(user: Any, *, request: Any = None) -> str:
    """A new secret key for `user`'s calendar; any earlier one stops working. Returns the raw key (shown once)."""
    revoked = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
    feed, raw = CalendarFeed.issue(user)
    record_event(user, "calendar.feed_issued", request=request, target=feed.prefix, detail={"revoked": revoked})
    return raw


@transaction.atomic
def revoke_calendar_feed(user: Any, *, request: Any = None) -> int:
    """Stop `user`'s calendar subscription: its URL answers 404 from now on."""
    revoked = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
    if revoked:
        record_event(user, "calendar.feed_revoked", request=request, detail={"revoked": revoked})
    return revoked


def active_calendar_feed(user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at").first()


def note_calendar_fetch(feed: CalendarFeed, *, request: Any = None) -> None:
    """A calendar app fetched the feed: an audit event, and the time on the profile page."""
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=clock.now())
    record_event(feed.user, "calendar.feed_fetched", request=request, target=feed.prefix)
