"""API tokens (issue 14, item 3): revoked by a password change and deactivation, idle and absolute
lifetimes, a page where users see and revoke their own tokens, every revocation audited;
and (item 6) a token's last use is written at most once per interval."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from pangting.accounts import services
from pangting.accounts.models import ApiToken, TokenState
from pangting.core.models import AuditEvent
from pangting.tests.builders import PASSWORD
from pangting.tests.conftest import make_client

NEW_PASSWORD = "Tongzhi-2026-new"  # meets the complexity rules
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def bearer(raw: str) -> Any:
    return make_client(headers={"authorization": f"Bearer {raw}"})


def signed_in(user: Any) -> Any:
    client = make_client()
    client.force_login(user)
    return client


def revocations(username: str) -> Any:
    return AuditEvent.objects.filter(action="api.token_revoked", target=username)


# --- revoked by a password change, whatever the path -------------------------------------------


def test_changing_ones_own_password_revokes_every_token(world):
    _token, raw = ApiToken.issue(world.secretary_a)
    assert bearer(raw).get("/api/v1/me").status_code == 200
    response = signed_in(world.secretary_a).post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert bearer(raw).get("/api/v1/me").status_code == 401
    assert not ApiToken.objects.filter(user=world.secretary_a, revoked_at__isnull=True).exists()
    event = revocations("secretary_a").get()
    assert event.detail == {"reason": "password_change", "count": 1}


def test_an_administrators_password_reset_revokes_the_tokens_too(world):
    """The admin site's reset form, like `changepassword`, goes through set_password and save."""
    _token, raw = ApiToken.issue(world.member)
    form = AdminPasswordChangeForm(world.member, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()
    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_saving_a_user_without_a_new_password_keeps_the_tokens(world):
    _token, raw = ApiToken.issue(world.member)
    world.member.first_name = "张"
    world.member.save()
    assert bearer(raw).get("/api/v1/me").status_code == 200
    assert not revocations("member").exists()


def test_deactivation_revokes_the_tokens_and_says_so_in_the_audit_log(world):
    _token, raw = ApiToken.issue(world.member)
    services.set_active(world.member, False, actor=world.secadmin)
    assert bearer(raw).get("/api/v1/me").status_code == 401
    event = revocations("member").get()
    assert event.actor == world.secadmin
    assert event.detail["reason"] == "deactivation"


# --- lifetimes -------------------------------------------------------------------------------


@override_settings(PANGTING_API_TOKEN_IDLE_MINUTES=60, PANGTING_API_TOKEN_TOUCH_SECONDS=300)
def test_a_token_unused_for_the_idle_lifetime_stops_working(world):
    with time_machine.travel(START, tick=False) as traveller:
        token, raw = ApiToken.issue(world.member)
        traveller.shift(dt.timedelta(minutes=59))
        assert bearer(raw).get("/api/v1/me").status_code == 200  # a use restarts the idle clock
        traveller.shift(dt.timedelta(minutes=59))
        assert bearer(raw).get("/api/v1/me").status_code == 200
        traveller.shift(dt.timedelta(minutes=61))
        assert bearer(raw).get("/api/v1/me").status_code == 401
        token.refresh_from_db()
        assert token.state() == TokenState.IDLE


@override_settings(PANGTING_API_TOKEN_DAYS=2, PANGTING_API_TOKEN_IDLE_MINUTES=24 * 60)
def test_a_token_used_every_day_still_ends_at_its_absolute_lifetime(world):
    with time_machine.travel(START, tick=False) as traveller:
        token, raw = ApiToken.issue(world.member)
        for _ in range(2):
            assert bearer(raw).get("/api/v1/me").status_code == 200
            traveller.shift(dt.timedelta(hours=23))
        assert bearer(raw).get("/api/v1/me").status_code == 200
        traveller.shift(dt.timedelta(hours=2))  # 48 h after issue
        assert bearer(raw).get("/api/v1/me").status_code == 401
        token.refresh_from_db()
        assert token.state() == TokenState.EXPIRED


@override_settings(PANGTING_API_TOKEN_TOUCH_SECONDS=300)
def test_last_use_is_written_at_most_once_per_interval(world):
    with time_machine.travel(START, tick=False) as traveller:
        token, raw = ApiToken.issue(world.member)
        client = bearer(raw)
        assert client.get("/api/v1/me").status_code == 200
        token.refresh_from_db()
        assert token.last_used_at == START
        traveller.shift(dt.timedelta(minutes=4))
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/me").status_code == 200
        writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
        assert writes == [], writes
        token.refresh_from_db()
        assert token.last_used_at == START
        traveller.shift(dt.timedelta(minutes=2))
        assert client.get("/api/v1/me").status_code == 200
        token.refresh_from_db()
        assert token.last_used_at == START + dt.timedelta(minutes=6)


# --- the token page --------------------------------------------------------------------------


def test_the_token_page_lists_ones_own_tokens_with_their_state(world):
    with time_machine.travel(START, tick=False):
        live, _raw = ApiToken.issue(world.member)
        revoked, _raw = ApiToken.issue(world.member)
        services.revoke_token(revoked, actor=world.member)
        other, _raw = ApiToken.issue(world.secretary_a)
        html = signed_in(world.member).get(reverse("accounts:tokens")).content.decode()
    assert f"{live.prefix}…" in html
    assert f"{revoked.prefix}…" in html
    assert f"{other.prefix}…" not in html, "only one's own tokens"
    assert "有效" in html
    assert "已撤销" in html
    profile = signed_in(world.member).get(reverse("accounts:profile")).content.decode()
    assert reverse("accounts:tokens") in profile


def test_a_user_issues_a_token_on_the_page_and_sees_it_once(world):
    client = signed_in(world.member)
    response = client.post(reverse("accounts:tokens"))
    raw = response.context["new_token"]
    assert bearer(raw).get("/api/v1/me").json()["username"] == "member"
    assert raw not in client.get(reverse("accounts:tokens")).content.decode()


def test_a_user_revokes_one_of_his_tokens_and_it_stops_at_once(world):
    token, raw = ApiToken.issue(world.member)
    _kept, kept_raw = ApiToken.issue(world.member)
    response = signed_in(world.member).post(reverse("accounts:token_revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 302
    assert bearer(raw).get("/api/v1/me").status_code == 401
    assert bearer(kept_raw).get("/api/v1/me").status_code == 200
    event = revocations("member").get()
    assert event.actor == world.member
    assert event.detail == {"reason": "revoked", "prefix": token.prefix}
    assert event.ip == "127.0.0.1"


@pytest.mark.parametrize("persona", ["secretary_a", "secadmin", "sysadmin"])
def test_nobody_else_can_revoke_a_users_token(world, persona):
    token, raw = ApiToken.issue(world.member)
    response = signed_in(getattr(world, persona)).post(reverse("accounts:token_revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 404
    assert bearer(raw).get("/api/v1/me").status_code == 200
    assert not revocations("member").exists()


def test_revoking_twice_logs_once(world):
    token, _raw = ApiToken.issue(world.member)
    client = signed_in(world.member)
    for _ in range(2):
        assert client.post(reverse("accounts:token_revoke", kwargs={"pk": token.pk})).status_code == 302
    assert revocations("member").count() == 1


# --- the same through the API ------------------------------------------------------------------


def test_a_user_lists_and_revokes_his_tokens_through_the_api(world):
    _token, raw = ApiToken.issue(world.member)
    other, other_raw = ApiToken.issue(world.member)
    stranger, _stranger_raw = ApiToken.issue(world.secretary_a)
    client = bearer(raw)
    listed = client.get("/api/v1/auth/tokens").json()
    assert {row["prefix"] for row in listed} == {_token.prefix, other.prefix}
    assert {row["state"] for row in listed} == {"active"}
    assert client.delete(f"/api/v1/auth/tokens/{stranger.prefix}").status_code == 404, "not his token"
    assert client.delete(f"/api/v1/auth/tokens/{other.prefix}").status_code == 204
    assert bearer(other_raw).get("/api/v1/me").status_code == 401
    assert client.delete(f"/api/v1/auth/tokens/{other.prefix}").status_code == 404, "already revoked"
    assert revocations("member").get().detail["prefix"] == other.prefix
    # Revoking the token in use ends it too (a client's "sign out").
    assert client.delete(f"/api/v1/auth/tokens/{_token.prefix}").status_code == 204
    assert client.get("/api/v1/me").status_code == 401
