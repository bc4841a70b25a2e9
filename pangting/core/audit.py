"""Writing audit events (see `AuditEvent`), and where their client address comes from.

Two ways in:

* `record_event` writes at once, in the caller's transaction: business services use it, so an
  event and the change it describes are committed (or rolled back) together.
* `record_read_event` is for read paths (denials, downloads, CSRF failures, personal data
  shown): the event is handed to an in-process queue that a background thread writes, so a
  read never fails or waits because the database is busy (a long write holding SQLite).
  A write that fails for a moment (database locked) is retried; one that keeps failing is
  logged in full to the ``pangting.audit`` logger, never raised into the request.

The read-path events of a request are collected by `pangting.core.middleware.AuditMiddleware`:
it logs every file download, every 403, and every 404 answered to a signed-in user (the
policy marks the 404s it produced for a record that exists: `note_denial`).
"""

from __future__ import annotations

import atexit
import contextvars
import ipaddress
import logging
import os
import queue
import threading
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection
from django.http import HttpRequest

from pangting.core import clock
from pangting.lib import auditchain

from .models import AuditChainHead, AuditEvent

logger = logging.getLogger("pangting.audit")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


# -- Client address -----------------------------------------------------------------------


def _parse_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip().strip('"')
    if value.startswith("["):  # "[2001:db8::1]:443"
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # "203.0.113.5:51234"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _networks(entries: Iterable[str]) -> list[Network]:
    networks: list[Network] = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            logger.error("PANGTING_TRUSTED_PROXIES: %r is not an address or network; ignored", entry)
    return networks


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: list[Network]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def _header_key(name: str) -> str:
    return "HTTP_" + name.upper().replace("-", "_")


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, unless that is a trusted proxy.

    When the connection comes from one of `PANGTING_TRUSTED_PROXIES`, the header
    `PANGTING_CLIENT_IP_HEADER` (default X-Forwarded-For) is read from the right: each proxy
    appends the address it received from, so the right-most address that is not a trusted
    proxy is the first one no trusted proxy can vouch past, i.e. the client. Addresses further
    left are whatever the client claimed and are never used. An unreadable entry stops the walk
    at the last trusted hop.
    """
    if request is None:
        return None
    remote = _parse_address(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    networks = _networks(getattr(settings, "PANGTING_TRUSTED_PROXIES", []))
    if not networks or not _trusted(remote, networks):
        return str(remote)
    header = request.META.get(_header_key(getattr(settings, "PANGTING_CLIENT_IP_HEADER", "X-Forwarded-For")), "")
    chosen = remote
    for entry in reversed([part for part in header.split(",") if part.strip()]):
        address = _parse_address(entry)
        if address is None:
            break
        chosen = address
        if not _trusted(address, networks):
            break
    return str(chosen)


# -- Writing ------------------------------------------------------------------------------


def _fields(
    actor: Any,
    action: str,
    *,
    target: str,
    success: bool,
    request: HttpRequest | None,
    username: str,
    detail: dict[str, Any] | None,
) -> dict[str, Any]:
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return {
        "actor_id": actor.pk if is_user else None,
        "username": (username or (actor.get_username() if is_user else ""))[:150],
        "action": action[:64],
        "target": target[:200],
        "success": success,
        "ip": client_ip(request),
        "detail": detail or {},
    }


def record_event(
    actor: Any,
    action: str,
    *,
    target: str = "",
    success: bool = True,
    request: HttpRequest | None = None,
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event now, in the current transaction. `actor` may be None (a failed login)."""
    fields = _fields(actor, action, target=target, success=success, request=request, username=username, detail=detail)
    event = AuditEvent(**fields)
    event.save()
    return event


def record_read_event(
    actor: Any,
    action: str,
    *,
    target: str = "",
    success: bool = True,
    request: HttpRequest | None = None,
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Queue one audit event of a read path; never raises, never waits for the database."""
    try:
        fields = _fields(
            actor, action, target=target, success=success, request=request, username=username, detail=detail
        )
        fields["at"] = clock.now()
        fields["detail"] = auditchain.plain_json(fields["detail"])
    except Exception:
        logger.exception("audit event %s could not be prepared", action)
        return
    if getattr(settings, "PANGTING_AUDIT_BACKGROUND", True):
        _writer.put(fields)
    else:
        _write_quietly(fields)


def _write_quietly(fields: dict[str, Any]) -> bool:
    try:
        AuditEvent(**fields).save()
    except Exception:
        logger.exception("audit event not written: %r", fields)
        return False
    return True


class _BackgroundWriter:
    """One daemon thread per process writing queued events in order.

    A write refused because the database is busy (`OperationalError`, e.g. SQLite locked) is
    retried with a growing pause, so the event is written once the lock is released; other
    errors, a full queue or `MAX_RETRY_SECONDS` of failures log the event and drop it.
    """

    MAX_QUEUE = 10_000
    MAX_RETRY_SECONDS = 600.0

    def __init__(self) -> None:
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue(self.MAX_QUEUE)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def put(self, fields: dict[str, Any]) -> None:
        self._ensure_thread()
        try:
            self._queue.put_nowait(fields)
        except queue.Full:
            logger.error("audit queue full, event dropped: %r", fields)

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()  # a forked worker starts its own thread
                self._thread = threading.Thread(target=self._run, name="pangting-audit-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            fields = self._queue.get()
            try:
                self._write_with_retry(fields)
            finally:
                self._queue.task_done()
                if self._queue.empty():
                    close_old_connections()
                    connection.close()

    def _write_with_retry(self, fields: dict[str, Any]) -> None:
        pause, started = 0.05, time.monotonic()
        while True:
            try:
                AuditEvent(**fields).save()
                return
            except OperationalError:
                connection.close()
                if time.monotonic() - started > self.MAX_RETRY_SECONDS:
                    logger.exception("audit event not written after retries: %r", fields)
                    return
                time.sleep(pause)
                pause = min(pause * 2, 2.0)
            except Exception:
                logger.exception("audit event not written: %r", fields)
                return

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued event is written (or given up); False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True


_writer = _BackgroundWriter()
flush = _writer.flush
atexit.register(lambda: _writer.flush(timeout=5.0))


# -- What the middleware collects ---------------------------------------------------------

_denials: contextvars.ContextVar[list[dict[str, Any]] | None] = contextvars.ContextVar("audit_denials", default=None)


def begin_request() -> contextvars.Token[list[dict[str, Any]] | None]:
    return _denials.set([])


def end_request(token: contextvars.Token[list[dict[str, Any]] | None]) -> list[dict[str, Any]]:
    noted = _denials.get() or []
    _denials.reset(token)
    return noted


def note_denial(**detail: Any) -> None:
    """Remember that the policy refused a record during this request (logged if the answer is 404/403)."""
    noted = _denials.get()
    if noted is not None and len(noted) < 10:
        noted.append({key: value for key, value in detail.items() if value is not None})


def describe_download(request: HttpRequest, target: str, **detail: Any) -> None:
    """Give the middleware a better label than the file name for this request's download."""
    request._audit_download = {"target": target, "detail": detail}  # type: ignore[attr-defined]


def mark_logged(request: HttpRequest) -> None:
    """This request's refusal is already logged (e.g. as a CSRF failure): the middleware skips it."""
    request._audit_logged = True  # type: ignore[attr-defined]


# -- The chain head -----------------------------------------------------------------------


def chain_head() -> dict[str, Any]:
    """The newest link of the audit chain: {"seq", "hash", "algorithm"} (for backup manifests)."""
    head = AuditChainHead.objects.filter(pk=1).values("seq", "hash", "algorithm").first()
    if head is None:
        last = AuditEvent.objects.order_by("-seq").values("seq", "hash", "algorithm").first()
        head = last or {"seq": 0, "hash": auditchain.GENESIS, "algorithm": ""}
    return {"seq": head["seq"], "hash": head["hash"], "algorithm": head["algorithm"] or settings.PANGTING_AUDIT_HASH}
