"""Reads do not write business data (issue 14, item 6).

Before: every API call wrote its token's last use and every page saved the session, so under a
long write on SQLite a read-only API call answered 500 after the 20 s busy timeout. Now the
token's last use and the session's renewal are written at most once per interval and skipped,
never waited for, while another transaction holds the database.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World
from pangting.accounts.models import ApiToken
from pangting.tests.conftest import make_client

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
# Far below SQLite's 20 s busy timeout: an answer this quick did not wait for the lock.
QUICK_SECONDS = 5.0


def signed_in(user: Any) -> Any:
    client = make_client()
    client.force_login(user)
    return client


def writes(queries: Any, table: str) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")) and table in q["sql"]
    ]


# --- the session -----------------------------------------------------------------------------


def test_a_page_read_within_a_minute_of_the_last_renewal_does_not_save_the_session(world):
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in(world.member)
        assert client.get(reverse("accounts:profile")).status_code == 200  # renews once
        traveller.shift(dt.timedelta(seconds=30))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("accounts:profile")).status_code == 200
        assert writes(queries, "django_session") == []
        traveller.shift(dt.timedelta(seconds=31))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("accounts:profile")).status_code == 200
        assert len(writes(queries, "django_session")) == 1, "a minute later the session is renewed"


def test_an_active_session_lives_on_and_an_idle_one_ends_after_thirty_minutes(world):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in(world.member)
        for _ in range(6):  # two hours of work, a page every 20 minutes
            assert client.get(reverse("accounts:profile")).status_code == 200
            traveller.shift(dt.timedelta(minutes=20))
        assert client.get(reverse("accounts:profile")).status_code == 200
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("accounts:profile")).status_code == 200, "29 idle minutes are allowed"
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("accounts:profile"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_a_visitor_without_a_sign_in_gets_no_session_row(db):
    from django.contrib.sessions.models import Session

    assert make_client().get(reverse("accounts:login")).status_code == 200
    assert not Session.objects.exists()


# --- under a long write --------------------------------------------------------------------


@pytest.fixture
def held_database(transactional_db: None) -> Iterator[Any]:
    """A second connection that holds the database as a long write would; released at the end.

    SQLite: `BEGIN IMMEDIATE` takes the one write lock (readers go on, thanks to WAL).
    PostgreSQL: an EXCLUSIVE table lock on tokens and sessions (plain reads go on, writes wait).
    """

    class Holder:
        def __init__(self) -> None:
            self.release: Any = None

        def hold(self) -> None:
            if connection.vendor == "sqlite":
                raw = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, timeout=5)
                raw.execute("BEGIN IMMEDIATE")
                raw.execute("UPDATE accounts_apitoken SET prefix = prefix")  # a write in progress

                def release() -> None:
                    raw.execute("ROLLBACK")
                    raw.close()

            else:
                other = connections.create_connection("default")
                other.set_autocommit(False)
                with other.cursor() as cursor:
                    cursor.execute("LOCK TABLE accounts_apitoken, django_session IN EXCLUSIVE MODE")

                def release() -> None:
                    other.rollback()
                    other.close()

            self.release = release

    holder = Holder()
    yield holder
    if holder.release is not None:
        holder.release()


def timed(client: Any, path: str) -> tuple[int, float]:
    started = time.monotonic()
    response = client.get(path)
    return response.status_code, time.monotonic() - started


def test_reads_answer_at_once_while_another_transaction_holds_the_database(held_database):
    world = World()
    token, raw = ApiToken.issue(world.member)
    api = make_client(headers={"authorization": f"Bearer {raw}"})
    web = signed_in(world.member)
    paths = [
        (api, "/api/v1/me"),
        (api, "/api/v1/organizations/"),
        (web, reverse("accounts:profile")),
        (web, reverse("accounts:tokens")),
    ]
    # Warm the process (URL conf, templates, static files) as another user, so that the timing
    # below measures the lock and not a first request on a busy machine.
    _other_token, other_raw = ApiToken.issue(world.secretary_a)
    warm = {api: make_client(headers={"authorization": f"Bearer {other_raw}"}), web: signed_in(world.secretary_a)}
    for client, path in paths:
        assert warm[client].get(path).status_code == 200, path
    # Both writes are due for the member: the token was never used, the session never renewed.
    held_database.hold()
    for client, path in paths:
        status, seconds = timed(client, path)
        assert status == 200, path
        assert seconds < QUICK_SECONDS, f"{path} waited {seconds:.1f} s for the lock"
    token.refresh_from_db()
    assert token.last_used_at is None, "the note was skipped, not waited for"

    held_database.release()
    held_database.release = None
    assert api.get("/api/v1/me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None, "once the database is free the last use is written again"
