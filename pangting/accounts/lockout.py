"""Lockout after failed sign-ins, by (account, address), with a per-address limit.

django-axes counts failures per (username, client address) (`AXES_LOCKOUT_PARAMETERS`), so
five wrong passwords lock that account *from that address* only: a stranger elsewhere cannot
lock the owner out. Axes compares every parameter set with one failure limit, so the second
rule, a per-address limit over all accounts (one address spraying a password over many
accounts), is this handler's small addition: once an address has
`PANGTING_LOCKOUT_ADDRESS_FAILURES` failures within the cool-off, it is refused for every
account. Both apply wherever `authenticate()` runs: web login, API token, admin login.
The client address is `pangting.core.audit.client_ip` (`AXES_CLIENT_IP_CALLABLE`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum

from pangting.core import clock


def _address_failures(ip_address: str | None, since: dt.datetime) -> int:
    if not ip_address:
        return 0
    total = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return int(total or 0)


class LockoutHandler(AxesDatabaseHandler):
    """Axes's database handler plus the per-address limit (see the module docstring)."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        failures = super().get_failures(request, credentials)
        since = (getattr(request, "axes_attempt_time", None) or clock.now()) - _cool_off()
        if _address_failures(getattr(request, "axes_ip_address", None), since) >= address_limit():
            # Counted as reaching the limit, so axes refuses and answers as for any lockout.
            return max(failures, get_failure_limit(request, credentials))
        return failures


def _cool_off() -> dt.timedelta:
    return get_cool_off() or dt.timedelta(0)


def address_limit() -> int:
    return int(settings.PANGTING_LOCKOUT_ADDRESS_FAILURES)


@dataclass(frozen=True)
class Lockout:
    """One current lockout: an account from an address, or (username empty) a whole address."""

    username: str
    ip_address: str | None
    failures: int
    last_attempt: dt.datetime

    @property
    def until(self) -> dt.datetime:
        return self.last_attempt + _cool_off()

    @property
    def whole_address(self) -> bool:
        return not self.username


def current_lockouts() -> list[Lockout]:
    """Every lockout in force now, addresses first, then accounts by their last attempt."""
    since = clock.now() - _cool_off()
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    addresses = [
        Lockout("", row["ip_address"], row["failures"], row["last"])
        for row in recent.values("ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=address_limit())
        .order_by("-last")
    ]
    limit = settings.AXES_FAILURE_LIMIT
    # Attempts without a username lock nobody's account; they count towards the address only.
    named = recent.exclude(username__isnull=True).exclude(username="")
    pairs = [
        Lockout(row["username"], row["ip_address"], row["failures"], row["last"])
        for row in named.values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=limit)
        .order_by("-last")
    ]
    return addresses + pairs


def clear(*, username: str, ip_address: str | None) -> int:
    """Delete the failures behind one lockout; an empty username clears the whole address."""
    attempts = AccessAttempt.objects.filter(ip_address=ip_address)
    if username:
        attempts = attempts.filter(username=username)
    count, _detail = attempts.delete()
    return count
